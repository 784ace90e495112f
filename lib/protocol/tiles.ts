import { frameCount, type JobSpec } from './job-spec';
import type { Tile } from './region';

export type { Region, Tile } from './region';

/**
 * The image's tile grid and the sample budget of each pixel: the geometry every stage shares (units,
 * checks, accumulation, the dashboard's heatmap). Planning the work over it lives in lib/work/plan.ts.
 */

/** Tiles in row-major order; tiles on the right and bottom edges are cropped to the image. */
export function tilesOf(spec: Pick<JobSpec, 'width' | 'height' | 'tileSize'>): Tile[] {
  const tiles: Tile[] = [];
  for (let y = 0; y < spec.height; y += spec.tileSize) {
    for (let x = 0; x < spec.width; x += spec.tileSize) {
      tiles.push({
        index: tiles.length,
        x,
        y,
        width: Math.min(spec.tileSize, spec.width - x),
        height: Math.min(spec.tileSize, spec.height - y),
      });
    }
  }
  return tiles;
}

/** Renders of every sample range: two with independent-seed redundancy, one otherwise. */
export function replicasOf(spec: Pick<JobSpec, 'redundancy'>): 1 | 2 {
  return spec.redundancy === 'independent-seeds' ? 2 : 1;
}

/** Samples every pixel has once the job is done: samplesPerPixel, times two with replicas. */
export function finalSamplesPerPixel(spec: Pick<JobSpec, 'samplesPerPixel' | 'redundancy'>): number {
  return spec.samplesPerPixel * replicasOf(spec);
}

/** Tiles of one frame's image (an animation's frame f holds tile rows [k·n, (k+1)·n), k = f - frames.start). */
export function tilesPerFrame(spec: Pick<JobSpec, 'width' | 'height' | 'tileSize'>): number {
  return Math.ceil(spec.width / spec.tileSize) * Math.ceil(spec.height / spec.tileSize);
}

/** Pixel-samples of the finished job: every pixel of every frame with its final samples. */
export function jobPixelSamples(
  spec: Pick<JobSpec, 'width' | 'height' | 'samplesPerPixel' | 'redundancy' | 'frames'>,
): number {
  return spec.width * spec.height * finalSamplesPerPixel(spec) * frameCount(spec);
}
