import { randomInt } from 'node:crypto';
import type { Region } from '../protocol/tiles';

/**
 * Draws `count` distinct pixels of a unit's region, uniformly at random, as full-image indices
 * (y * imageWidth + x) in ascending order. Scattered pixels rather than rectangles: a cheat that fakes one
 * corner, a stripe or every k-th pixel is hit as often as one that fakes pixels at random. The randomness is
 * the coordinator's own (crypto), drawn after the submission, so the submitter cannot know which pixels count.
 */
export function drawCheckPixels(region: Region, imageWidth: number, count: number): number[] {
  const total = region.width * region.height;
  const n = Math.min(count, total);
  // Partial Fisher-Yates over the region's local indices, with a sparse map so large regions cost O(n).
  const swapped = new Map<number, number>();
  const picked: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = randomInt(i, total);
    const atJ = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    picked.push(atJ);
  }
  return picked
    .map(
      (local) =>
        (region.y + Math.floor(local / region.width)) * imageWidth + region.x + (local % region.width),
    )
    .sort((a, b) => a - b);
}

/** The float offset of full-image pixel `index` inside a region's row-major result of `channels` floats. */
export function offsetInRegion(index: number, region: Region, imageWidth: number, channels: number): number {
  const x = (index % imageWidth) - region.x;
  const y = Math.floor(index / imageWidth) - region.y;
  if (x < 0 || y < 0 || x >= region.width || y >= region.height) {
    throw new Error(`pixel ${index} is outside the region ${JSON.stringify(region)}`);
  }
  return (y * region.width + x) * channels;
}
