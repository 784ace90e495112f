import bvh from '../../shaders/bvh.wgsl';
import camera from '../../shaders/camera.wgsl';
import common from '../../shaders/common.wgsl';
import denoise from '../../shaders/denoise.wgsl';
import environmentMap from '../../shaders/environment-map.wgsl';
import guides from '../../shaders/guides.wgsl';
import lights from '../../shaders/lights.wgsl';
import materials from '../../shaders/materials.wgsl';
import params from '../../shaders/params.wgsl';
import pathtrace from '../../shaders/pathtrace.wgsl';
import rng from '../../shaders/rng.wgsl';
import sceneBindings from '../../shaders/scene-bindings.wgsl';
import { resolveWgsl } from './wgsl';

const SOURCES = {
  'bvh.wgsl': bvh,
  'camera.wgsl': camera,
  'common.wgsl': common,
  'denoise.wgsl': denoise,
  'guides.wgsl': guides,
  'environment-map.wgsl': environmentMap,
  'lights.wgsl': lights,
  'materials.wgsl': materials,
  'params.wgsl': params,
  'pathtrace.wgsl': pathtrace,
  'rng.wgsl': rng,
  'scene-bindings.wgsl': sceneBindings,
};

/** The complete path-tracing kernel for packed mesh scenes (lib/scene/packed-scene.ts). */
export function pathTraceShader(): string {
  return resolveWgsl('pathtrace.wgsl', SOURCES);
}

/** The denoiser's guide kernel: first-hit albedo, normal and distance (shaders/guides.wgsl). */
export function guideShader(): string {
  return resolveWgsl('guides.wgsl', SOURCES);
}

/** The denoised preview's edge-aware filter (shaders/denoise.wgsl). */
export function denoiseShader(): string {
  return resolveWgsl('denoise.wgsl', SOURCES);
}
