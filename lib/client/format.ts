/** Number formatting for the live figures: short, stable widths, SI prefixes. */

const PREFIXES: ReadonlyArray<readonly [number, string]> = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

function significant(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** 312456 -> "312 k", 4194304 -> "4.19 M", 850 -> "850". */
export function formatSi(n: number): string {
  if (!Number.isFinite(n)) return '—';
  for (const [scale, prefix] of PREFIXES) {
    if (Math.abs(n) >= scale) return `${significant(n / scale)} ${prefix}`;
  }
  return `${Math.round(n)}`;
}

/** Pixel-samples per second: "312 k px-samples/s"; a dash before there is a figure. */
export function formatRate(perSecond: number | null | undefined): string {
  return perSecond == null || !Number.isFinite(perSecond) ? '—' : `${formatSi(perSecond)} px-samples/s`;
}

/** 840 -> "840 ms", 12_400 -> "12.4 s", 192_000 -> "3 min 12 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) return `${minutes} min ${seconds} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "0.4 %", "37 %", "100 %" (never rounds an unfinished job up to 100). */
export function formatPercent(fraction: number): string {
  const p = Math.max(0, Math.min(1, fraction)) * 100;
  if (p > 99 && p < 100) return '99 %';
  return `${p < 1 && p > 0 ? p.toFixed(1) : Math.round(p)} %`;
}

/** "1.2 MiB", "740 KiB", "96 B". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 100 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, '');
  return `${digits} ${units[unit]}`;
}

/**
 * A share that may be small or over 100 %, with the precision it needs: "0.22 %", "3.5 %", "13.8 %",
 * "105 %". Unlike formatPercent this is for costs and ratios, not progress.
 */
export function formatShare(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  const p = Math.max(0, fraction) * 100;
  if (p === 0) return '0 %';
  if (p < 0.01) return '< 0.01 %';
  if (p < 1) return `${p.toFixed(2)} %`;
  if (p < 100) return `${p.toFixed(1)} %`;
  return `${Math.round(p)} %`;
}
