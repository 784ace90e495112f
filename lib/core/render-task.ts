import type { Region } from './tiling';

export type Rgb = [number, number, number];

/** Light arriving from infinitely far away, for rays that leave the scene. */
export type Environment =
  | { type: 'uniform'; radiance: Rgb }
  /** A smooth gradient: `zenith` straight up (+y), `horizon` at the horizon, `ground` below it. */
  | { type: 'sky'; zenith: Rgb; horizon: Rgb; ground: Rgb };

export const DEFAULT_ENVIRONMENT: Environment = {
  type: 'sky',
  zenith: [0.35, 0.5, 0.85],
  horizon: [1.0, 0.95, 0.9],
  ground: [0.25, 0.22, 0.2],
};

/**
 * Everything a renderer needs to reproduce a unit's pixels bit for bit: the scene, the full image size (the
 * camera depends on it), the seed, and which pixels and sample indices to render.
 */
export interface RenderTask {
  /** SHA-256 (hex) of the packed scene file (lib/scene/scene-file.ts); fetched from /api/scenes/:hash. */
  sceneHash: string;
  environment: Environment;
  width: number;
  height: number;
  seed: number;
  maxBounces: number;
  region: Region;
  sampleStart: number;
  sampleEnd: number;
}
