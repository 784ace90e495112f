import { describe, expect, it } from 'vitest';
import {
  checksRequired,
  decide,
  expectedOverhead,
  MAX_CHECK_ROUNDS,
  PROBATION_CHECKS,
  PROBATION_UNITS,
  pixelsPerCheck,
} from './policy';

describe('verification policy', () => {
  it('sizes a check so one catches a 5 % partial fake with the requested confidence', () => {
    expect(pixelsPerCheck(0.999, 4096)).toBe(135);
    expect(1 - 0.95 ** 135).toBeGreaterThanOrEqual(0.999);
    expect(1 - 0.95 ** 134).toBeLessThan(0.999);
    expect(pixelsPerCheck(0.999999, 256)).toBe(256);
    expect(expectedOverhead(0.999, 4096)).toBeCloseTo((135 / 4096) * 1.05, 6);
  });

  it('puts new and once-rejected sessions on probation', () => {
    expect(checksRequired({ unitsAccepted: 0, unitsRejected: 0 }, 0.9)).toBe(PROBATION_CHECKS);
    expect(checksRequired({ unitsAccepted: PROBATION_UNITS, unitsRejected: 1 }, 0.9)).toBe(PROBATION_CHECKS);
    expect(checksRequired({ unitsAccepted: PROBATION_UNITS, unitsRejected: 0 }, 0.9)).toBe(1);
    expect(checksRequired({ unitsAccepted: PROBATION_UNITS, unitsRejected: 0 }, 0.01)).toBe(2);
  });

  it('decides only on a clear lead', () => {
    // Honest submission, honest checkers.
    expect(decide(1, 0, 1, 1)).toBe('accept');
    expect(decide(1, 0, 1, 2)).toBe('more');
    expect(decide(2, 0, 2, 2)).toBe('accept');
    expect(decide(2, 0, 2, 3)).toBe('more');
    expect(decide(3, 0, 3, 3)).toBe('accept');
    // A lone lying checker (its noise agrees with no one) costs one more check and decides nothing.
    expect(decide(1, 1, 2, 1)).toBe('more');
    expect(decide(2, 1, 3, 1)).toBe('accept');
    // A cheat: three agreeing re-renders against it.
    expect(decide(0, 2, 2, 2)).toBe('more');
    expect(decide(0, 3, 3, 2)).toBe('reject');
    // A cheat vouched for by a colluder still loses to three honest checks.
    expect(decide(1, 2, 3, 2)).toBe('more');
    expect(decide(1, 3, 4, 2)).toBe('reject');
    // Two colluders agreeing on a false answer cannot frame an honest submission.
    expect(decide(1, 2, 3, 1)).toBe('more');
    expect(decide(4, 2, 6, 1)).toBe('accept');
    // Undecided at the round limit: reject (re-render rather than pay for a doubtful unit).
    expect(decide(2, 2, MAX_CHECK_ROUNDS, 1)).toBe('reject');
  });
});
