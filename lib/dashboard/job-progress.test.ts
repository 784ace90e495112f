import { describe, expect, it } from 'vitest';
import {
  addSample,
  type EtaJob,
  estimateEta,
  formatElapsed,
  formatEta,
  jobElapsedMs,
  lastChangeAt,
  niceTicks,
  PROGRESS_TUNING,
  type ProgressSample,
  recentRate,
  stallThresholdMs,
  throughputSeries,
  timeTicks,
  unitsFraction,
} from './job-progress';

const T0 = 1_700_000_000_000;

const job = (over: Partial<EtaJob> = {}): EtaJob => ({
  status: 'rendering',
  startedAt: T0,
  completedAt: null,
  pixelSamplesDone: 0,
  pixelSamplesTotal: 1_000_000,
  ...over,
});

/** Observations every `everyMs` from `from` for `count` steps, `perStep` pixel-samples more each time. */
function steady(from: number, count: number, everyMs: number, perStep: number, done0 = 0): ProgressSample[] {
  let history: ProgressSample[] = [];
  for (let i = 0; i < count; i++) {
    history = addSample(history, { at: from + i * everyMs, pixelSamplesDone: done0 + i * perStep });
  }
  return history;
}

describe('addSample', () => {
  it('keeps only the ends of a run of equal values', () => {
    let h: ProgressSample[] = [];
    for (const [at, v] of [
      [0, 0],
      [1, 10],
      [2, 10],
      [3, 10],
      [4, 10],
      [5, 20],
    ] as const) {
      h = addSample(h, { at, pixelSamplesDone: v });
    }
    expect(h).toEqual([
      { at: 0, pixelSamplesDone: 0 },
      { at: 1, pixelSamplesDone: 10 },
      { at: 4, pixelSamplesDone: 10 },
      { at: 5, pixelSamplesDone: 20 },
    ]);
  });

  it('ignores an observation older than the last, replaces one at the same time', () => {
    const h = addSample([{ at: 10, pixelSamplesDone: 5 }], { at: 9, pixelSamplesDone: 7 });
    expect(h).toEqual([{ at: 10, pixelSamplesDone: 5 }]);
    expect(addSample(h, { at: 10, pixelSamplesDone: 8 })).toEqual([{ at: 10, pixelSamplesDone: 8 }]);
  });

  it('ignores a stale observation with fewer pixel-samples than the last', () => {
    const h = steady(0, 5, 1000, 10);
    expect(addSample(h, { at: 6000, pixelSamplesDone: 3 })).toBe(h);
  });

  it('thins the older half past the limit, keeping the first and the newest', () => {
    let h: ProgressSample[] = [];
    for (let i = 0; i < 1000; i++) h = addSample(h, { at: i * 1000, pixelSamplesDone: i }, 100);
    expect(h.length).toBeLessThanOrEqual(100);
    expect(h[0]).toEqual({ at: 0, pixelSamplesDone: 0 });
    expect(h.at(-1)).toEqual({ at: 999_000, pixelSamplesDone: 999 });
    // Still in time order.
    expect(h.every((s, i) => i === 0 || s.at > (h[i - 1] as ProgressSample).at)).toBe(true);
  });
});

describe('recentRate and lastChangeAt', () => {
  it('measures the window up to now, so the rate sinks when results stop', () => {
    const h = steady(T0, 31, 1000, 1000); // 1000 px-samples/s for 30 s
    expect(recentRate(h, T0 + 30_000)).toBeCloseTo(1000, 6);
    // Ten more seconds without a result: the last 30 s held 20 000 pixel-samples.
    expect(recentRate(h, T0 + 40_000)).toBeCloseTo(20_000 / 30, 0);
  });

  it('gives nothing for too short a span', () => {
    expect(recentRate([], T0)).toBeNull();
    expect(recentRate([{ at: T0, pixelSamplesDone: 5 }], T0 + PROGRESS_TUNING.minSpanMs - 1)).toBeNull();
  });

  it('finds the start of the last run', () => {
    const h = steady(0, 3, 1000, 10).concat([{ at: 9000, pixelSamplesDone: 20 }]);
    expect(lastChangeAt(h)).toBe(2000);
    expect(lastChangeAt([])).toBeNull();
  });

  it('waits longer before calling a slow job stalled', () => {
    expect(stallThresholdMs(steady(0, 10, 1000, 1))).toBe(PROGRESS_TUNING.stallMs);
    // Results 40 s apart: 3 × 40 s.
    expect(stallThresholdMs(steady(0, 4, 40_000, 1))).toBe(120_000);
  });
});

describe('estimateEta', () => {
  it('is "estimating…" until there is enough to go on', () => {
    const eta = estimateEta(job({ pixelSamplesDone: 0 }), [{ at: T0 + 500, pixelSamplesDone: 0 }], T0 + 1000);
    expect(eta).toEqual({ kind: 'estimating' });
    expect(formatEta(eta)).toBe('estimating…');
  });

  it('uses the recent rate once the window has data', () => {
    // 30 s at 1000 px-samples/s: 30 000 done, 970 000 left -> 970 s.
    const h = steady(T0, 31, 1000, 1000);
    const eta = estimateEta(job({ pixelSamplesDone: 30_000 }), h, T0 + 30_000);
    expect(eta).toMatchObject({ kind: 'remaining', basis: 'recent' });
    if (eta.kind !== 'remaining') throw new Error('unreachable');
    expect(eta.rate).toBeCloseTo(1000, 6);
    expect(eta.ms).toBeCloseTo(970_000, 0);
    expect(formatEta(eta)).toBe('about 16 min left');
  });

  it('follows a change of speed within the window, not the lifetime average', () => {
    // 60 s at 100 px-samples/s, then 30 s at 1000.
    const slow = steady(T0, 61, 1000, 100);
    let h = slow;
    for (let i = 1; i <= 30; i++)
      h = addSample(h, { at: T0 + 60_000 + i * 1000, pixelSamplesDone: 6000 + i * 1000 });
    const eta = estimateEta(job({ pixelSamplesDone: 36_000 }), h, T0 + 90_000);
    if (eta.kind !== 'remaining') throw new Error(`expected remaining, got ${eta.kind}`);
    expect(eta.rate).toBeCloseTo(1000, 6);
    expect(eta.ms).toBeCloseTo(964_000, 0);
  });

  it('falls back on the average since the start before this tab has seen enough', () => {
    // Opened 100 s into a job that has done 50 000: 500 px-samples/s.
    const eta = estimateEta(
      job({ pixelSamplesDone: 50_000, pixelSamplesTotal: 100_000 }),
      [{ at: T0 + 100_000, pixelSamplesDone: 50_000 }],
      T0 + 100_500,
    );
    expect(eta).toMatchObject({ kind: 'remaining', basis: 'lifetime' });
    if (eta.kind !== 'remaining') throw new Error('unreachable');
    expect(eta.rate).toBeCloseTo(50_000 / 100.5, 3);
    expect(formatEta(eta)).toBe('about 1 min 40 s left');
  });

  it('says "waiting for contributors" when nothing has moved for a while, or it never started', () => {
    const h = steady(T0, 11, 1000, 1000);
    const stalled = estimateEta(job({ pixelSamplesDone: 10_000 }), h, T0 + 10_000 + PROGRESS_TUNING.stallMs);
    expect(stalled).toEqual({ kind: 'waiting', reason: 'contributors', sinceMs: PROGRESS_TUNING.stallMs });
    expect(formatEta(stalled)).toBe('waiting for contributors');
    // Just before the threshold it is still an estimate.
    expect(estimateEta(job({ pixelSamplesDone: 10_000 }), h, T0 + 9_999 + PROGRESS_TUNING.stallMs).kind).toBe(
      'remaining',
    );
    expect(estimateEta(job({ startedAt: null }), [], T0)).toEqual({
      kind: 'waiting',
      reason: 'contributors',
      sinceMs: null,
    });
  });

  it('names the checks when the submitted work waits for another contributor', () => {
    const eta = estimateEta(
      job({ verification: { unitsVerifying: 3 } }),
      [{ at: T0, pixelSamplesDone: 0 }],
      T0 + PROGRESS_TUNING.stallMs * 2,
    );
    expect(eta).toMatchObject({ kind: 'waiting', reason: 'checks' });
    expect(formatEta(eta)).toBe('waiting for checks by another contributor');
  });

  it('reports a finished job and one awaiting its deposit', () => {
    expect(formatEta(estimateEta(job({ status: 'done', completedAt: T0 + 42_000 }), [], T0 + 1e6))).toBe(
      'done in 42.0 s',
    );
    expect(formatEta(estimateEta(job({ status: 'awaiting-deposit', startedAt: null }), [], T0))).toBe(
      'waiting for the deposit',
    );
  });
});

describe('throughputSeries', () => {
  it('is null before the job started', () => {
    expect(throughputSeries(job({ startedAt: null }), [], T0)).toBeNull();
  });

  it('draws what came before this tab looked as the average up to its first observation', () => {
    // Opened 60 s in at 60 000 done, then 2000 px-samples/s for 20 s.
    const h = steady(T0 + 60_000, 21, 1000, 2000, 60_000);
    const series = throughputSeries(job({ pixelSamplesDone: 100_000 }), h, T0 + 80_000);
    if (!series) throw new Error('no series');
    expect(series.points.slice(0, 2)).toEqual([
      { t: T0, rate: 1000, observed: false },
      { t: T0 + 60_000, rate: 1000, observed: false },
    ]);
    expect(series.points.slice(2).every((p) => p.observed)).toBe(true);
    // Once SMOOTHING_MS of observations exist, each point shows the new speed.
    expect(series.current).toBeCloseTo(2000, 6);
    expect(series.peak).toBeCloseTo(2000, 6);
    expect(series.average).toBeCloseTo(100_000 / 80, 6);
    expect([series.start, series.end]).toEqual([T0, T0 + 80_000]);
  });

  it('ends at the job’s end, and a stall shows as a fall to zero', () => {
    const h = steady(T0, 11, 1000, 1000);
    const stalled = throughputSeries(job({ pixelSamplesDone: 10_000 }), h, T0 + 60_000);
    expect(stalled?.current).toBe(0);
    expect(stalled?.peak).toBeCloseTo(1000, 6);
    const done = throughputSeries(
      job({ status: 'done', pixelSamplesDone: 10_000, completedAt: T0 + 10_000 }),
      h,
      T0 + 999_999,
    );
    expect(done?.end).toBe(T0 + 10_000);
    expect(done?.points.at(-1)?.t).toBe(T0 + 10_000);
  });

  it('for a job seen only after it finished, is its average over its life', () => {
    const series = throughputSeries(
      job({ status: 'done', pixelSamplesDone: 50_000, completedAt: T0 + 25_000 }),
      [],
      T0 + 1e6,
    );
    expect(series?.points).toEqual([
      { t: T0, rate: 2000, observed: false },
      { t: T0 + 25_000, rate: 2000, observed: false },
    ]);
  });
});

describe('axis ticks', () => {
  it('rounds values to 1, 2, 2.5 or 5 steps covering the maximum', () => {
    expect(niceTicks(830, 4)).toEqual([0, 250, 500, 750, 1000]);
    expect(niceTicks(1000, 4)).toEqual([0, 250, 500, 750, 1000]);
    expect(niceTicks(0.37, 4)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it('spaces time in whole seconds and minutes', () => {
    expect(timeTicks(9_000, 4)).toEqual([0, 5_000]);
    expect(timeTicks(200_000, 4)).toEqual([0, 60_000, 120_000, 180_000]);
    expect(formatElapsed(0)).toBe('0 s');
    expect(formatElapsed(90_000)).toBe('1 min 30 s');
    expect(formatElapsed(7_200_000)).toBe('2 h');
  });
});

describe('unitsFraction and jobElapsedMs', () => {
  it('is the share of units done, 0 without units', () => {
    expect(unitsFraction({ unitsDone: 3, unitsTotal: 4 })).toBe(0.75);
    expect(unitsFraction({ unitsDone: 0, unitsTotal: 0 })).toBe(0);
  });

  it('runs from the start to now, or to completion; 0 before the start, never negative', () => {
    expect(jobElapsedMs({ startedAt: null, completedAt: null }, T0)).toBe(0);
    expect(jobElapsedMs({ startedAt: T0, completedAt: null }, T0 + 5_000)).toBe(5_000);
    expect(jobElapsedMs({ startedAt: T0, completedAt: T0 + 2_000 }, T0 + 9_000)).toBe(2_000);
    expect(jobElapsedMs({ startedAt: T0 + 1_000, completedAt: null }, T0)).toBe(0);
  });
});
