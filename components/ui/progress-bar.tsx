import { formatPercent } from '../../lib/client/format';

/** A native <progress> (screen readers announce it), styled in globals.css, with its percentage beside it. */
export function ProgressBar({
  fraction,
  label,
  showPercent = true,
}: {
  /** 0 … 1 */
  fraction: number;
  /** What is progressing, for assistive technology. */
  label: string;
  showPercent?: boolean;
}) {
  const value = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  return (
    <div className="progress">
      <progress className="progress__bar" value={value} max={1} aria-label={label}>
        {formatPercent(value)}
      </progress>
      {showPercent ? <span className="progress__text">{formatPercent(value)}</span> : null}
    </div>
  );
}
