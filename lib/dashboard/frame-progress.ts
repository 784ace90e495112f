import type { TileProgress } from '../protocol/api-types';
import type { JobSpec } from '../protocol/job-spec';
import { finalSamplesPerPixel } from '../protocol/tiles';

/** One frame of an animation job, as the frame strip shows it. */
export interface FrameProgress {
  frame: number;
  /** Accepted pixel-samples over the frame's final ones, 0 to 1. */
  share: number;
  done: boolean;
}

/**
 * Each frame's progress from the job's tiles (each frame has its own, tagged with its frame), pixel-weighted
 * so that a frame's edge tiles count for their size. Empty for a still.
 */
export function frameProgress(
  spec: Pick<JobSpec, 'frames' | 'samplesPerPixel' | 'redundancy'>,
  tiles: readonly Pick<TileProgress, 'frame' | 'width' | 'height' | 'samplesDone'>[],
): FrameProgress[] {
  if (!spec.frames) return [];
  const target = finalSamplesPerPixel(spec);
  const sums = new Map<number, { done: number; total: number }>();
  for (let frame = spec.frames.start; frame <= spec.frames.end; frame++)
    sums.set(frame, { done: 0, total: 0 });
  for (const tile of tiles) {
    const sum = tile.frame === undefined ? undefined : sums.get(tile.frame);
    if (!sum) continue;
    const pixels = tile.width * tile.height;
    sum.done += pixels * Math.min(tile.samplesDone, target);
    sum.total += pixels * target;
  }
  return [...sums].map(([frame, { done, total }]) => ({
    frame,
    share: total > 0 ? done / total : 0,
    done: total > 0 && done === total,
  }));
}
