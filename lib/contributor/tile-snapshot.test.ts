import { describe, expect, it } from 'vitest';
import type { Lease } from '../protocol/api-types';
import { RESULT_CHANNELS } from '../protocol/result-layout';
import { describeSnapshot, tileSnapshot } from './tile-snapshot';

function lease(pixels?: number[]): Lease {
  return {
    leaseId: 'l',
    jobId: '3f2a9c1e-0000-4000-8000-000000000000',
    unitId: 5,
    expiresAt: 0,
    task: {
      sceneHash: 'ab'.repeat(32),
      environment: { type: 'uniform', radiance: [0, 0, 0] },
      width: 8,
      height: 8,
      seed: 1,
      maxBounces: 2,
      region: { x: 4, y: 2, width: 2, height: 2 },
      sampleStart: 4,
      sampleEnd: 8,
      ...(pixels ? { pixels } : {}),
    },
  };
}

/** Sums for `n` pixels of radiance `value` after 4 samples. */
function sums(values: number[]): Float32Array {
  const data = new Float32Array(values.length * RESULT_CHANNELS);
  values.forEach((v, i) => {
    data.set([v * 4, v * 4, v * 4, 0, 4], i * RESULT_CHANNELS);
  });
  return data;
}

const grey = (rgba: Uint8ClampedArray, p: number) => Array.from(rgba.subarray(p * 4, p * 4 + 4));

describe('tileSnapshot', () => {
  it('tone-maps a whole tile, row-major', () => {
    const snap = tileSnapshot(lease(), sums([0, 1, 0, 10]), 99);
    expect(snap).toMatchObject({ unitId: 5, scattered: false, pixelsRendered: 4, renderedAt: 99 });
    expect(grey(snap.rgba, 0)).toEqual([0, 0, 0, 255]);
    expect(snap.rgba[4]).toBeGreaterThan(100);
    expect(snap.rgba[12]).toBeGreaterThan(snap.rgba[4] as number);
  });

  it('draws the pixels of a pixel list where they lie in the tile and leaves the rest grey', () => {
    // Image pixels (5, 3) and (4, 2): tile pixels 3 and 0; (0, 0) lies outside the tile.
    const snap = tileSnapshot(lease([3 * 8 + 5, 2 * 8 + 4, 0]), sums([1, 0, 1]));
    expect(snap).toMatchObject({ scattered: true, pixelsRendered: 3 });
    expect(grey(snap.rgba, 0)).toEqual([0, 0, 0, 255]);
    expect(grey(snap.rgba, 1)).toEqual([40, 40, 40, 255]);
    expect(grey(snap.rgba, 2)).toEqual([40, 40, 40, 255]);
    expect(snap.rgba[12]).toBeGreaterThan(100);
  });

  it('names the job, the tile and the samples', () => {
    expect(describeSnapshot(tileSnapshot(lease(), sums([0, 0, 0, 0])))).toBe(
      'job 3f2a9c1e · tile 2×2 at (4, 2) · samples 4–8',
    );
    expect(describeSnapshot(tileSnapshot(lease([20]), sums([0])))).toBe(
      'job 3f2a9c1e · 1 pixel of tile 2×2 at (4, 2) · samples 4–8',
    );
  });
});
