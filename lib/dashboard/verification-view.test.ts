import { describe, expect, it } from 'vitest';
import { formatShare } from '../client/format';
import type { ContributorView, TileProgress } from '../protocol/api-types';
import { CONFIDENCE_LIMITS } from '../protocol/limits';
import { expectedOverhead, pixelsPerCheck } from '../verification/policy';
import {
  CONFIDENCE_CHOICES,
  describeVerificationCost,
  formatConfidence,
  moveInGrid,
  shouldPollContributor,
  tileVerification,
  verificationCost,
} from './verification-view';

const tile = (over: Partial<TileProgress> = {}): TileProgress => ({
  index: 5,
  x: 64,
  y: 0,
  width: 32,
  height: 32,
  samplesDone: 32,
  checksPassed: 0,
  checksFailed: 0,
  unitsRejected: 0,
  ...over,
});

describe('verification view', () => {
  it('offers choices the job schema accepts, with the default among them', () => {
    for (const { value } of CONFIDENCE_CHOICES) {
      expect(value).toBeGreaterThanOrEqual(CONFIDENCE_LIMITS.min);
      expect(value).toBeLessThanOrEqual(CONFIDENCE_LIMITS.max);
    }
    expect(CONFIDENCE_CHOICES.map((c) => c.value)).toContain(CONFIDENCE_LIMITS.default);
    expect(CONFIDENCE_CHOICES.map((c) => formatConfidence(c.value))).toEqual([
      '99 %',
      '99.9 %',
      '99.99 %',
      '99.9999 %',
    ]);
  });

  it('prices a confidence with the policy functions for the tile size', () => {
    const cost = verificationCost(0.999, 64);
    expect(cost).toEqual({
      pixels: pixelsPerCheck(0.999, 4096),
      unitPixels: 4096,
      overhead: expectedOverhead(0.999, 4096),
    });
    expect(cost.pixels).toBe(135);
    expect(describeVerificationCost(cost)).toBe(
      `Each unit is re-rendered at 135 random pixels by another contributor: about +${formatShare(cost.overhead)} of the render’s cost.`,
    );
    expect(describeVerificationCost(verificationCost(0.999, 8))).toMatch(/in full \(all 64 pixels\)/);
  });

  it('formats shares small and large', () => {
    expect(formatShare(0)).toBe('0 %');
    expect(formatShare(0.0022)).toBe('0.22 %');
    expect(formatShare(0.0346)).toBe('3.5 %');
    expect(formatShare(1.05)).toBe('105 %');
  });

  it('sums a tile’s checks and flags failures and re-issues', () => {
    expect(tileVerification(tile({ checksPassed: 2 }), 64)).toMatchObject({
      fraction: 0.5,
      checked: 2,
      passed: 2,
      flagged: false,
      mark: '✓',
    });
    const bad = tileVerification(tile({ checksPassed: 2, checksFailed: 1, unitsRejected: 1 }), 64);
    expect(bad).toMatchObject({ checked: 3, failed: 1, reissued: 1, flagged: true, mark: '↻' });
    expect(bad.description).toBe(
      'Tile 5 at (64, 0), 32×32 px · 32 of 64 samples · 3 checked · 2 passed · 1 failed · 1 re-issued',
    );
    expect(tileVerification(tile({ checksFailed: 1 }), 64).mark).toBe('!');
    expect(tileVerification(tile(), 64).mark).toBe('');
  });

  it('moves through a row-major grid without leaving it', () => {
    // 3 columns, 7 tiles: rows [0 1 2] [3 4 5] [6]
    expect(moveInGrid(0, 'ArrowRight', 3, 7)).toBe(1);
    expect(moveInGrid(2, 'ArrowRight', 3, 7)).toBe(2);
    expect(moveInGrid(3, 'ArrowLeft', 3, 7)).toBe(3);
    expect(moveInGrid(4, 'ArrowDown', 3, 7)).toBe(4);
    expect(moveInGrid(3, 'ArrowDown', 3, 7)).toBe(6);
    expect(moveInGrid(1, 'ArrowUp', 3, 7)).toBe(1);
    expect(moveInGrid(5, 'Home', 3, 7)).toBe(3);
    expect(moveInGrid(6, 'End', 3, 7)).toBe(6);
    expect(moveInGrid(3, 'Enter', 3, 7)).toBe(3);
  });

  it('polls a contributor once, then while visible and running or while units await checks', () => {
    const view = { unitsVerifying: 0, quarantined: false } as ContributorView;
    const base = { visible: true, sessionId: 's', status: 'idle' as const, view: null, attempted: false };
    expect(shouldPollContributor(base)).toBe(true);
    expect(shouldPollContributor({ ...base, sessionId: null })).toBe(false);
    expect(shouldPollContributor({ ...base, attempted: true })).toBe(false);
    expect(shouldPollContributor({ ...base, attempted: true, status: 'running' })).toBe(true);
    expect(shouldPollContributor({ ...base, attempted: true, status: 'running', visible: false })).toBe(
      false,
    );
    expect(shouldPollContributor({ ...base, attempted: true, view: { ...view, unitsVerifying: 2 } })).toBe(
      true,
    );
    expect(
      shouldPollContributor({
        ...base,
        attempted: true,
        view: { ...view, unitsVerifying: 2, quarantined: true },
      }),
    ).toBe(false);
  });
});
