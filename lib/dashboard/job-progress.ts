/**
 * How fast a job is going and when it will be done, from what this tab has seen of it: every JobView that
 * arrives (an SSE event, a poll) is one observation of the accepted pixel-samples. Plain functions over an
 * in-memory history, so that the dashboard's ETA and throughput chart can be tested in Node alone.
 */

import { formatDuration } from '../client/format';
import type { JobView } from '../protocol/api-types';

/** One observation: at `at` (ms since epoch, this tab's clock) the job had `pixelSamplesDone` accepted. */
export interface ProgressSample {
  at: number;
  pixelSamplesDone: number;
}

export const PROGRESS_TUNING = {
  /** The ETA's rate is the throughput over about this much recent history. */
  windowMs: 30_000,
  /** Less history than this (and less time since the job started) gives no figure: "estimating…". */
  minSpanMs: 4_000,
  /** No new accepted work for this long (or 3× the longest gap seen between results) means nobody renders it. */
  stallMs: 30_000,
  /** Observations kept per job; older ones are thinned out, never the first or the newest. */
  maxSamples: 400,
} as const;

/**
 * `history` with `sample` added. Observations that add nothing are folded: in a run of equal values only
 * the run's first and last are kept (the first says since when nothing moved). An observation older than
 * the last one, or with fewer pixel-samples (a stale answer that arrived late), is ignored: accepted work
 * only grows. Past `max`, every other observation of the older half is dropped, so a long job keeps its
 * whole shape at a coarser grain.
 */
export function addSample(
  history: readonly ProgressSample[],
  sample: ProgressSample,
  max: number = PROGRESS_TUNING.maxSamples,
): ProgressSample[] {
  const last = history.at(-1);
  if (last && sample.at < last.at) return history as ProgressSample[];
  if (last && sample.pixelSamplesDone < last.pixelSamplesDone) return history as ProgressSample[];
  const beforeLast = history.at(-2);
  let next: ProgressSample[];
  if (
    last &&
    beforeLast &&
    last.pixelSamplesDone === sample.pixelSamplesDone &&
    beforeLast.pixelSamplesDone === sample.pixelSamplesDone
  ) {
    next = [...history.slice(0, -1), sample];
  } else if (last && last.at === sample.at) {
    next = [...history.slice(0, -1), sample];
  } else {
    next = [...history, sample];
  }
  if (next.length <= Math.max(4, max)) return next;
  const half = Math.floor(next.length / 2);
  const older = next.slice(0, half).filter((_, i) => i === 0 || i % 2 === 0);
  return [...older, ...next.slice(half)];
}

/** What a job's progress says about the rest of it. */
export type JobEta =
  | { kind: 'done'; tookMs: number | null }
  | { kind: 'awaiting-deposit' }
  /**
   * Nothing accepted for a while, or never started. 'contributors': nobody renders it now; 'checks': work
   * was submitted and waits for another contributor's spot checks before it counts.
   */
  | { kind: 'waiting'; reason: 'contributors' | 'checks'; sinceMs: number | null }
  /** Too little history for a fair figure yet. */
  | { kind: 'estimating' }
  | {
      kind: 'remaining';
      ms: number;
      /** Pixel-samples per second the estimate assumes. */
      rate: number;
      /** 'recent': this tab's last ~30 s; 'lifetime': everything since the job started. */
      basis: 'recent' | 'lifetime';
    };

export type EtaJob = Pick<
  JobView,
  'status' | 'startedAt' | 'completedAt' | 'pixelSamplesDone' | 'pixelSamplesTotal'
> & { verification?: Pick<JobView['verification'], 'unitsVerifying'> };

/** The share of a job's units that are done, 0 for a job without units. */
export function unitsFraction(job: Pick<JobView, 'unitsDone' | 'unitsTotal'>): number {
  return job.unitsTotal > 0 ? job.unitsDone / job.unitsTotal : 0;
}

/**
 * How long a job has run at `now` (ms since epoch), or ran once completed; 0 before it started. The server's
 * clock and this tab's may disagree by a little: never a negative duration.
 */
export function jobElapsedMs(job: Pick<JobView, 'startedAt' | 'completedAt'>, now: number): number {
  return job.startedAt ? Math.max(0, (job.completedAt ?? now) - job.startedAt) : 0;
}

/** When the accepted work last changed, as far as the history tells (the first observation of the last run). */
export function lastChangeAt(history: readonly ProgressSample[]): number | null {
  if (history.length === 0) return null;
  let i = history.length - 1;
  const value = history[i]?.pixelSamplesDone;
  while (i > 0 && history[i - 1]?.pixelSamplesDone === value) i--;
  return history[i]?.at ?? null;
}

/** The longest wait between two changes of the accepted work that the history saw. */
function longestGapMs(history: readonly ProgressSample[]): number {
  let longest = 0;
  let changedAt: number | null = null;
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1] as ProgressSample;
    const b = history[i] as ProgressSample;
    if (b.pixelSamplesDone === a.pixelSamplesDone) continue;
    if (changedAt !== null) longest = Math.max(longest, b.at - changedAt);
    changedAt = b.at;
  }
  return longest;
}

/** How long without new accepted work before a job counts as waiting for contributors. */
export function stallThresholdMs(history: readonly ProgressSample[]): number {
  return Math.max(PROGRESS_TUNING.stallMs, 3 * longestGapMs(history));
}

/**
 * Pixel-samples per second over the recent window ending now: from the newest observation at or before
 * `now - windowMs` (or the oldest there is) to now. Measured to `now`, not to the last observation, so that
 * the figure sinks when results stop coming. Null when that span is shorter than minSpanMs.
 */
export function recentRate(
  history: readonly ProgressSample[],
  now: number,
  windowMs: number = PROGRESS_TUNING.windowMs,
): number | null {
  const latest = history.at(-1);
  if (!latest) return null;
  let base = history[0] as ProgressSample;
  for (const sample of history) {
    if (sample.at <= now - windowMs) base = sample;
    else break;
  }
  const span = Math.max(now, latest.at) - base.at;
  if (span < PROGRESS_TUNING.minSpanMs) return null;
  return ((latest.pixelSamplesDone - base.pixelSamplesDone) / span) * 1000;
}

/**
 * The ETA the dashboard shows: the remaining pixel-samples at the recent rate, or, before this tab has seen
 * enough, at the job's average rate since it started. "Waiting for contributors" when it never started or
 * has not moved for longer than stallThresholdMs.
 */
export function estimateEta(job: EtaJob, history: readonly ProgressSample[], now: number): JobEta {
  if (job.status === 'done') {
    const tookMs =
      job.startedAt !== null && job.completedAt !== null
        ? Math.max(0, job.completedAt - job.startedAt)
        : null;
    return { kind: 'done', tookMs };
  }
  if (job.status === 'awaiting-deposit') return { kind: 'awaiting-deposit' };
  const reason = (job.verification?.unitsVerifying ?? 0) > 0 ? 'checks' : 'contributors';
  if (job.startedAt === null) return { kind: 'waiting', reason, sinceMs: null };

  const changed = lastChangeAt(history);
  // A history that starts after the job did may not have seen its last change: count from its start then.
  const stillSince = changed ?? now;
  const still = now - stillSince;
  const sinceStart = Math.max(0, now - job.startedAt);
  const nothingYet = job.pixelSamplesDone === 0;
  if (still >= stallThresholdMs(history) || (nothingYet && sinceStart >= PROGRESS_TUNING.stallMs * 2)) {
    return { kind: 'waiting', reason, sinceMs: changed !== null && !nothingYet ? still : null };
  }

  const remaining = Math.max(0, job.pixelSamplesTotal - job.pixelSamplesDone);
  // The recent window; failing that, all this tab has seen (results may come in slow bursts); failing that,
  // the average since the job started.
  const recent = recentRate(history, now);
  const seen = recentRate(history, now, Number.POSITIVE_INFINITY);
  let rate: number | null = null;
  let basis: 'recent' | 'lifetime' = 'recent';
  if (recent !== null && recent > 0) rate = recent;
  else if (seen !== null && seen > 0) rate = seen;
  else if (sinceStart >= PROGRESS_TUNING.minSpanMs && !nothingYet) {
    rate = (job.pixelSamplesDone / sinceStart) * 1000;
    basis = 'lifetime';
  }
  if (rate === null || !(rate > 0)) return { kind: 'estimating' };
  return { kind: 'remaining', ms: (remaining / rate) * 1000, rate, basis };
}

/** The ETA in a few words: "about 3 min 12 s left", "estimating…", "waiting for contributors". */
export function formatEta(eta: JobEta): string {
  switch (eta.kind) {
    case 'done':
      return eta.tookMs === null ? 'done' : `done in ${formatDuration(eta.tookMs)}`;
    case 'awaiting-deposit':
      return 'waiting for the deposit';
    case 'waiting':
      return eta.reason === 'checks'
        ? 'waiting for checks by another contributor'
        : 'waiting for contributors';
    case 'estimating':
      return 'estimating…';
    case 'remaining':
      return eta.ms < 1000 ? 'finishing…' : `about ${formatElapsed(roundEta(eta.ms))} left`;
  }
}

/** An estimate is not precise to the second: round to 5 s past a minute, to a minute past ten minutes. */
function roundEta(ms: number): number {
  if (ms >= 600_000) return Math.round(ms / 60_000) * 60_000;
  if (ms >= 60_000) return Math.round(ms / 5_000) * 5_000;
  return ms;
}

/** One point of the throughput chart: the rate at time `t`, and whether this tab saw it or infers it. */
export interface RatePoint {
  t: number;
  rate: number;
  /** False for the stretch before this tab's first observation, drawn as the average up to it. */
  observed: boolean;
}

export interface ThroughputSeries {
  points: RatePoint[];
  /** The chart's time axis: from the job's start to its end (or now). */
  start: number;
  end: number;
  /** Pixel-samples per second now (the last point); null before there is one. */
  current: number | null;
  peak: number;
  /** Over the whole job so far: accepted pixel-samples / time since it started. */
  average: number | null;
}

/** Each observed point's rate is measured over about this much time back, which smooths unit-sized steps. */
export const SMOOTHING_MS = 8_000;

/**
 * The throughput chart's data: for each observation, the rate over the SMOOTHING_MS before it; the stretch
 * from the job's start to the first observation as the average over it (unobserved); and a last point at
 * the job's end or now, so that a stall shows as a fall.
 */
export function throughputSeries(
  job: Pick<EtaJob, 'startedAt' | 'completedAt' | 'pixelSamplesDone'>,
  history: readonly ProgressSample[],
  now: number,
): ThroughputSeries | null {
  if (job.startedAt === null) return null;
  const start = job.startedAt;
  const end = Math.max(start + 1, job.completedAt ?? now);
  const seen = history.filter((s) => s.at >= start && s.at <= end);
  // An observation from before the start (the page was open, waiting) says what there was at the start.
  const before = history.filter((s) => s.at < start).at(-1);
  if (before) seen.unshift({ at: start, pixelSamplesDone: before.pixelSamplesDone });
  const points: RatePoint[] = [];
  const first = seen[0];
  // Over at least a second: a result that lands just after the start must not read as a wild spike.
  const rateBetween = (a: ProgressSample, b: ProgressSample) =>
    Math.max(0, ((b.pixelSamplesDone - a.pixelSamplesDone) / Math.max(1000, b.at - a.at)) * 1000);

  if (!first || first.at - start >= 1000) {
    // Before this tab looked: the average from the start to the first observation (or to the end).
    const until = first ?? { at: end, pixelSamplesDone: job.pixelSamplesDone };
    const average = rateBetween({ at: start, pixelSamplesDone: 0 }, until);
    points.push(
      { t: start, rate: average, observed: false },
      { t: until.at, rate: average, observed: false },
    );
  }
  if (first) {
    // The observations, each measured against the newest one at least SMOOTHING_MS older (or the start).
    const samples = [...seen];
    const last = samples.at(-1) as ProgressSample;
    if (end > last.at) {
      samples.push({ at: end, pixelSamplesDone: Math.max(last.pixelSamplesDone, job.pixelSamplesDone) });
    }
    let base: ProgressSample = { at: start, pixelSamplesDone: 0 };
    let j = -1;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i] as ProgressSample;
      while (j + 1 < i && (samples[j + 1] as ProgressSample).at <= s.at - SMOOTHING_MS) {
        j++;
        base = samples[j] as ProgressSample;
      }
      if (i === 0 && points.length > 0) continue; // the unobserved stretch already ends here
      points.push({ t: s.at, rate: rateBetween(base, s), observed: true });
    }
  }
  const elapsed = end - start;
  return {
    points,
    start,
    end,
    current: points.at(-1)?.rate ?? null,
    peak: points.reduce((m, p) => Math.max(m, p.rate), 0),
    average: elapsed > 0 ? (job.pixelSamplesDone / elapsed) * 1000 : null,
  };
}

/**
 * About `count` round tick values from 0 to at least `max`, 1, 2, 2.5 or 5 times a power of ten apart:
 * niceTicks(830, 4) -> [0, 250, 500, 750, 1000].
 */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 1e-9; v += step) ticks.push(round(v, step));
  if ((ticks.at(-1) ?? 0) < max) ticks.push(round(ticks.length * step, step));
  return ticks;
}

/** Time ticks for a span: whole seconds, then 5 s, 10 s, 30 s, minutes, … about `count` of them, from 0. */
export function timeTicks(spanMs: number, count = 4): number[] {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400].map(
    (s) => s * 1000,
  );
  const raw = Math.max(1, spanMs) / Math.max(1, count);
  const step = steps.find((s) => s >= raw) ?? Math.ceil(raw / 86_400_000) * 86_400_000;
  const ticks: number[] = [];
  for (let t = 0; t <= spanMs; t += step) ticks.push(t);
  return ticks;
}

/** "0 s", "45 s", "2 min", "1 h 30 min": an elapsed-time axis label. */
export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  const rest = s % 60;
  if (minutes < 60) return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

function round(v: number, step: number): number {
  const digits = Math.max(0, 1 - Math.floor(Math.log10(step)));
  return Number(v.toFixed(digits));
}
