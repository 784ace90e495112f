/**
 * What the contribute page shows of the work this tab just rendered: the unit's tile, tone-mapped to 8-bit
 * sRGB, with the job and tile it belongs to. Plain data (no canvas): the page draws `rgba` with putImageData.
 */
import type { Lease } from '../protocol/api-types';
import type { Region } from '../protocol/tiles';
import { toneMapAccumulation } from '../render/tonemap';

/** The grey of a pixel with no samples (lib/render/tonemap.ts): what a pixel-list task leaves unrendered. */
const UNRENDERED = 40;

export interface TileSnapshot {
  jobId: string;
  unitId: number;
  /** The tile in the image, in pixels: the size of `rgba`. */
  region: Region;
  /** The job's image size. */
  imageWidth: number;
  imageHeight: number;
  sampleStart: number;
  sampleEnd: number;
  /** Pixels rendered: the whole tile, or the scattered pixels of a pixel-list task. */
  pixelsRendered: number;
  /** True for a pixel-list task (what a spot check renders): only some of the tile's pixels are drawn. */
  scattered: boolean;
  /** region.width × region.height RGBA pixels, row-major. */
  rgba: Uint8ClampedArray<ArrayBuffer>;
  /** When it was rendered (ms since epoch). */
  renderedAt: number;
}

/**
 * The tile of a rendered lease. A region task fills the tile; a pixel-list task draws its pixels where they
 * lie in the tile, and leaves the rest grey (pixels outside the tile are left out).
 */
export function tileSnapshot(lease: Lease, data: ArrayLike<number>, renderedAt = Date.now()): TileSnapshot {
  const { task } = lease;
  const { region } = task;
  const base = {
    jobId: lease.jobId,
    unitId: lease.unitId,
    region,
    imageWidth: task.width,
    imageHeight: task.height,
    sampleStart: task.sampleStart,
    sampleEnd: task.sampleEnd,
    renderedAt,
  };
  if (!task.pixels) {
    const pixels = region.width * region.height;
    return { ...base, pixelsRendered: pixels, scattered: false, rgba: toneMapAccumulation(data, pixels) };
  }
  const list = task.pixels;
  const colours = toneMapAccumulation(data, list.length);
  const rgba = new Uint8ClampedArray(region.width * region.height * 4).fill(UNRENDERED);
  for (let i = 0; i < list.length; i++) {
    const index = list[i] as number;
    const x = (index % task.width) - region.x;
    const y = Math.floor(index / task.width) - region.y;
    if (x < 0 || y < 0 || x >= region.width || y >= region.height) continue;
    rgba.set(colours.subarray(i * 4, i * 4 + 4), (y * region.width + x) * 4);
  }
  for (let a = 3; a < rgba.length; a += 4) rgba[a] = 255;
  return { ...base, pixelsRendered: list.length, scattered: true, rgba };
}

/** "job 3f2a9c1e · tile 16×16 at (16, 0) · samples 0–2", and "12 pixels of" before the tile for a list. */
export function describeSnapshot(snapshot: TileSnapshot): string {
  const { region } = snapshot;
  const n = snapshot.pixelsRendered;
  const what = snapshot.scattered ? `${n} ${n === 1 ? 'pixel' : 'pixels'} of tile` : 'tile';
  return `job ${snapshot.jobId.slice(0, 8)} · ${what} ${region.width}×${region.height} at (${region.x}, ${region.y}) · samples ${snapshot.sampleStart}–${snapshot.sampleEnd}`;
}
