import bvh from '../../shaders/bvh.wgsl';
import camera from '../../shaders/camera.wgsl';
import common from '../../shaders/common.wgsl';
import environmentMap from '../../shaders/environment-map.wgsl';
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
