import Link from 'next/link';
import type { LocalRenderParams } from '../../lib/dashboard/local-render-params';
import { localRenderHref } from '../../lib/dashboard/local-render-params';

/**
 * The job form's buttons: "Create job" (or "Create job and deposit" when paid), what the paid submit is doing,
 * and a link to preview the settings in this browser when they fit one local render.
 */
export function JobFormActions({
  paid,
  submitting,
  disabled,
  step,
  localPreview,
}: {
  paid: boolean;
  submitting: boolean;
  disabled: boolean;
  /** The paid submit's current step; null shows "Opening the job…". */
  step: string | null;
  /** The /render parameters of a local preview; null when none fits. */
  localPreview: Partial<LocalRenderParams> | null;
}) {
  return (
    <div className="job-form__actions">
      <button type="submit" className="button button--primary" disabled={disabled}>
        {paid ? (submitting ? 'Paying…' : 'Create job and deposit') : submitting ? 'Creating…' : 'Create job'}
      </button>
      {paid && submitting ? (
        <output className="job-form__step" aria-live="polite" data-testid="payment-step">
          <span className="spinner spinner--small" aria-hidden="true" /> {step ?? 'Opening the job…'}
        </output>
      ) : null}
      {localPreview ? (
        <Link className="link-quiet" href={localRenderHref(localPreview)}>
          Preview it in this browser first
        </Link>
      ) : null}
    </div>
  );
}
