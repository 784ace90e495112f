import type { SceneId } from './job-spec';
import type { Region } from './tiling';

/**
 * Everything a renderer needs to reproduce a unit's pixels bit for bit: the scene, the full image size (the
 * camera depends on it), the seed, and which pixels and sample indices to render.
 */
export interface RenderTask {
  scene: SceneId;
  width: number;
  height: number;
  seed: number;
  maxBounces: number;
  region: Region;
  sampleStart: number;
  sampleEnd: number;
}
