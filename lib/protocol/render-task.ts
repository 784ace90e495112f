import type { FramePose } from './frame-pose';
import type { Region } from './region';

export type Rgb = [number, number, number];

/** Light arriving from infinitely far away, for rays that leave the scene. */
export type Environment =
  | { type: 'uniform'; radiance: Rgb }
  /** A smooth gradient: `zenith` straight up (+y), `horizon` at the horizon, `ground` below it. */
  | { type: 'sky'; zenith: Rgb; horizon: Rgb; ground: Rgb }
  /**
   * An equirectangular radiance map (a Radiance .hdr, lib/render/hdr.ts), stored by the coordinator under
   * `hash` (SHA-256 of the .hdr file's bytes, lib/work/environment-store.ts) and importance-sampled by the
   * kernel. Image column u (left to right) is the azimuth atan2(z, x) = 2π(u - ½), row v (top to bottom)
   * the elevation from +y down to -y: three.js's equirectangular convention. `rotationDegrees` turns the
   * map about +y (right-handed: a feature in direction +x moves to -z at 90), `intensity` scales it.
   */
  | { type: 'map'; hash: string; rotationDegrees: number; intensity: number };

/**
 * A thin lens centred on the scene camera's position: `apertureRadius` in scene units (the f-number N of a
 * lens of focal length f has radius f / 2N), focused on the plane `focusDistance` scene units ahead.
 */
export interface Lens {
  apertureRadius: number;
  focusDistance: number;
}

/**
 * 'box': uniform over the pixel (sharpest, aliased edges). 'gaussian': a Gaussian of σ = 0.5 px over a
 * disc of radius 1.5 px, by filter importance sampling (every sample weighs 1).
 */
export const PIXEL_FILTERS = ['box', 'gaussian'] as const;
export type PixelFilter = (typeof PIXEL_FILTERS)[number];

export const DEFAULT_ENVIRONMENT: Environment = {
  type: 'sky',
  zenith: [0.35, 0.5, 0.85],
  horizon: [1.0, 0.95, 0.9],
  ground: [0.25, 0.22, 0.2],
};

/**
 * Everything a renderer needs to reproduce a unit's pixels bit for bit: the scene, the full image size (the
 * camera depends on it), the seed, and which pixels and sample indices to render.
 *
 * Two modes: by default the renderer renders every pixel of `region`, and the result is row-major over
 * it. With `pixels` (pixel-list mode, what verification re-renders) it renders exactly the listed pixels,
 * in list order, and ignores `region`. Either way each pixel's path for sample s is the same function of
 * (seed, pixel, s), and samples are added in index order, so a listed pixel gets exactly the bits that a
 * region render of the same sample range gives it.
 */
export interface RenderTask {
  /** SHA-256 (hex) of the packed scene file (lib/scene/scene-file.ts); fetched from /api/scenes/:hash. */
  sceneHash: string;
  environment: Environment;
  /** Thin-lens depth of field (shaders/camera.wgsl). Absent: a pinhole, everything sharp. */
  lens?: Lens;
  /** How camera rays spread over and around a pixel (shaders/camera.wgsl). Absent: 'box'. */
  pixelFilter?: PixelFilter;
  width: number;
  height: number;
  seed: number;
  maxBounces: number;
  /**
   * The pixels to render (region mode). In pixel-list mode it is still set (to the unit's tile, by the
   * caller) but the renderer ignores it.
   */
  region: Region;
  /**
   * Pixel-list mode: full-image pixel indices `y * width + x`, each an integer in [0, width * height) and
   * below MAX_PIXEL_LIST_INDEX, in the order the result must follow. Repeats are allowed (each entry is
   * rendered on its own). The result then holds `pixels.length * RESULT_CHANNELS` float32 in list order
   * (lib/protocol/result-layout.ts). Absent: region mode. An empty list is an error, not region mode.
   */
  pixels?: number[];
  sampleStart: number;
  sampleEnd: number;
  /** An animation job's frame: what moves in it (lib/protocol/frame-pose.ts). Absent: a still image. */
  pose?: FramePose;
}

/**
 * Pixel indices reach the GPU as float32 integer values (shaders/pathtrace.wgsl), exact only below 2^24:
 * every index must be smaller. (The largest image, 4096 x 4096, has exactly 2^24 pixels.)
 */
export const MAX_PIXEL_LIST_INDEX = 2 ** 24;

/**
 * Why a task's pixel list cannot be rendered (empty, an index not an integer, outside the image or not
 * below MAX_PIXEL_LIST_INDEX), or null when it can or when the task has no list.
 */
export function pixelListProblem(task: Pick<RenderTask, 'width' | 'height' | 'pixels'>): string | null {
  const { pixels } = task;
  if (pixels === undefined) return null;
  if (!Array.isArray(pixels) || pixels.length === 0) {
    return 'The task has an empty pixel list: list at least one pixel index, or leave `pixels` out to render the region.';
  }
  const size = task.width * task.height;
  for (let i = 0; i < pixels.length; i++) {
    const p = pixels[i];
    if (typeof p !== 'number' || !Number.isInteger(p)) {
      return `Pixel list entry ${i} is ${String(p)}, not an integer pixel index (y * width + x).`;
    }
    if (p < 0 || p >= size) {
      return `Pixel list entry ${i} is ${p}, outside the ${task.width}x${task.height} image: indices must lie in [0, ${size}).`;
    }
    if (p >= MAX_PIXEL_LIST_INDEX) {
      return `Pixel list entry ${i} is ${p}: pixel lists reach only indices below 2^24 (${MAX_PIXEL_LIST_INDEX}).`;
    }
  }
  return null;
}
