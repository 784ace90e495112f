import common from '../../shaders/common.wgsl';
import cornell from '../../shaders/cornell.wgsl';
import pathtrace from '../../shaders/pathtrace.wgsl';
import rng from '../../shaders/rng.wgsl';
import { resolveWgsl } from './wgsl';

const SOURCES = {
  'common.wgsl': common,
  'cornell.wgsl': cornell,
  'pathtrace.wgsl': pathtrace,
  'rng.wgsl': rng,
};

/** The complete path-tracing kernel for the built-in demo scene. */
export function pathTraceShader(): string {
  return resolveWgsl('pathtrace.wgsl', SOURCES);
}
