import { describe, expect, it } from 'vitest';
import { JobRequestSchema } from '../protocol/job-spec';
import { tilesOf } from '../protocol/tiles';
import { planJob, planUnits, unitCount } from './plan';

const spec = (overrides: Record<string, unknown> = {}) =>
  planJob(
    JobRequestSchema.parse({ scene: 'cornell', width: 100, height: 70, samplesPerPixel: 10, ...overrides }),
    { hash: 'ab'.repeat(32), defaultEnvironment: { type: 'uniform', radiance: [0, 0, 0] } },
    () => 42,
  );

describe('tilesOf', () => {
  it('covers every pixel exactly once, cropping the right and bottom edges', () => {
    const s = spec({ tileSize: 32 });
    const tiles = tilesOf(s);
    expect(tiles).toHaveLength(4 * 3);
    const covered = new Uint8Array(s.width * s.height);
    for (const t of tiles) {
      for (let y = t.y; y < t.y + t.height; y++)
        for (let x = t.x; x < t.x + t.width; x++)
          covered[y * s.width + x] = (covered[y * s.width + x] ?? 0) + 1;
    }
    expect(covered.every((c) => c === 1)).toBe(true);
    expect(tiles.at(-1)).toEqual({ index: 11, x: 96, y: 64, width: 4, height: 6 });
  });
});

describe('planUnits', () => {
  it('gives every tile every sample index exactly once', () => {
    const s = spec({ tileSize: 32, samplesPerUnit: 3 });
    const units = planUnits(s);
    expect(units).toHaveLength(unitCount(s));
    expect(units).toHaveLength(12 * 4);
    for (const tile of tilesOf(s)) {
      const ranges = units.filter((u) => u.tileIndex === tile.index).map((u) => [u.sampleStart, u.sampleEnd]);
      expect(ranges).toEqual([
        [0, 3],
        [3, 6],
        [6, 9],
        [9, 10],
      ]);
    }
  });

  it('orders early sample ranges of all tiles before later ones', () => {
    const units = planUnits(spec({ tileSize: 64, samplesPerUnit: 5 }));
    const starts = units.map((u) => u.sampleStart);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });
});

describe('planJob', () => {
  it('keeps explicit settings and the given seed', () => {
    expect(spec({ tileSize: 16, samplesPerUnit: 4, seed: 7 })).toMatchObject({
      tileSize: 16,
      samplesPerUnit: 4,
      seed: 7,
    });
  });

  it('sizes units to about 64k pixel-samples and never beyond the job', () => {
    expect(spec({ tileSize: 64, samplesPerPixel: 1000 }).samplesPerUnit).toBe(16);
    expect(spec({ tileSize: 32, samplesPerPixel: 1000 }).samplesPerUnit).toBe(64);
    expect(spec({ tileSize: 32, samplesPerPixel: 10 }).samplesPerUnit).toBe(10);
  });

  it('rejects requests outside the limits with a readable reason', () => {
    const bad = JobRequestSchema.safeParse({ scene: 'Teapot!', width: 0, height: 64, samplesPerPixel: 1.5 });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['scene', 'width', 'samplesPerPixel']));
  });
});
