import { describe, expect, it } from 'vitest';
import type { JobView, TileProgress } from '../protocol/api-types';
import { mergeJobDelta } from './job-delta';

const tile = (index: number, samplesDone: number): TileProgress => ({
  index,
  x: index * 8,
  y: 0,
  width: 8,
  height: 8,
  samplesDone,
  checksPassed: 0,
  checksFailed: 0,
  unitsRejected: 0,
});
const job = (version: number, tiles: TileProgress[]) => ({ id: 'j', version, tiles }) as unknown as JobView;

describe('mergeJobDelta', () => {
  it('replaces the changed tiles by index and keeps the rest', () => {
    const merged = mergeJobDelta(job(3, [tile(0, 1), tile(1, 1), tile(2, 0)]), job(5, [tile(1, 4)]));
    expect(merged.version).toBe(5);
    expect(merged.tiles.map((t) => t.samplesDone)).toEqual([1, 4, 0]);
  });

  it('ignores a delta no newer than the view, or of another job', () => {
    const view = job(5, [tile(0, 2)]);
    expect(mergeJobDelta(view, job(5, [tile(0, 9)]))).toBe(view);
    expect(mergeJobDelta(view, { ...job(6, [tile(0, 9)]), id: 'other' })).toBe(view);
  });
});
