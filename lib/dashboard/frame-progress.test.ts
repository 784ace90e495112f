import { describe, expect, it } from 'vitest';
import { frameProgress } from './frame-progress';

const spec = {
  frames: { start: 4, end: 6, fps: 24 },
  samplesPerPixel: 8,
  redundancy: 'spot-checks' as const,
};
const tile = (frame: number, width: number, samplesDone: number) => ({
  frame,
  width,
  height: 10,
  samplesDone,
});

describe('frameProgress', () => {
  it('gives each frame its own share, pixel-weighted, and none for a still', () => {
    const tiles = [tile(4, 10, 8), tile(4, 10, 8), tile(5, 30, 8), tile(5, 10, 0), tile(6, 10, 0)];
    expect(frameProgress(spec, tiles)).toEqual([
      { frame: 4, share: 1, done: true },
      { frame: 5, share: 0.75, done: false },
      { frame: 6, share: 0, done: false },
    ]);
    expect(frameProgress({ samplesPerPixel: 8, redundancy: 'spot-checks' }, tiles)).toEqual([]);
  });
});
