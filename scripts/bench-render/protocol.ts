/**
 * What the benchmark (Node) asks of the page, and what the page's workers answer. Everything here crosses
 * Playwright's `page.evaluate` as JSON, so images travel as base64 text rather than typed arrays.
 */
import type { BuiltInSceneId } from '../../lib/protocol/job-spec';

/** 'ours': Lumengrid's WGSL path tracer on WebGPU. 'peer': three-gpu-pathtracer's WebGLPathTracer on WebGL2. */
export type RendererId = 'ours' | 'peer';

/**
 * How the peer gets the scene's rectangular emitters (browser/scene-to-three.ts): 'staged' = light, visible
 * emissive mesh and occluder; 'light-only' = light and occluder, the camera does not see the emitter.
 */
export type EmitterStaging = 'staged' | 'light-only';

export interface RunRequest {
  renderer: RendererId;
  scene: BuiltInSceneId;
  width: number;
  height: number;
  /** Scattering events per path (ours: Params.max_bounces; the peer: `bounces`). */
  maxBounces: number;
  /** Ours only: the random stream's key. The peer draws its own seeds. */
  seed: number;
  /** Samples per pixel rendered before the clock starts: pipelines warm, dispatch sizing settled. */
  warmupSpp: number;
  /**
   * Cumulative samples per pixel (after the warm-up) at which to note the elapsed time, ascending. The run
   * stops at the last one, or earlier at the first one reached after `stopAfterMs` of timed rendering.
   */
  checkpoints: number[];
  stopAfterMs?: number;
  /** Whether each checkpoint carries the image so far (linear RGB, see `Checkpoint.image`). */
  withImages: boolean;
  /** The peer only: how emitters become lights (browser/scene-to-three.ts); 'staged' when absent. */
  peerEmitters?: EmitterStaging;
}

export interface Checkpoint {
  spp: number;
  /** Timed rendering since the warm-up ended, in ms; full-image read-backs for `image` are not counted. */
  ms: number;
  /** base64 of little-endian float32 RGB, row-major, top row first: the mean radiance per pixel. */
  image?: string;
}

export interface RunReport {
  /** The adapter or GL renderer string, so a reader can tell SwiftShader from a real GPU. */
  device: string;
  /** Building the scene and uploading it (ours: pack + BVH + buffers; the peer: three.js scene + BVH). */
  setupMs: number;
  /**
   * Ours: PathTracer.create (WGSL compile and pipeline), 0 when this worker had compiled it before. The
   * peer: from its first renderSample() to its first finished sample, almost all of it shader compilation
   * (0 when the shader was compiled for an earlier scene).
   */
  compileMs: number;
  /** The warm-up samples (see RunRequest.warmupSpp), not counted in `checkpoints`. */
  warmupMs: number;
  checkpoints: Checkpoint[];
  /** Anything the renderer did differently from what was asked, in words. */
  notes: string[];
}

export type RunOutcome = { ok: true; report: RunReport } | { ok: false; error: string };

/** The page's API, installed on `window` by browser/page.ts. */
export interface BenchPageApi {
  run(request: RunRequest): Promise<RunOutcome>;
}

export const PAGE_API_KEY = 'lumengridBench';

/** Encodes float32 values as base64 (little-endian: every platform these workers run on). */
export function floatsToBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = '';
  // Chunked: String.fromCharCode(...bytes) overflows the argument limit on large images.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function base64ToFloats(text: string): Float32Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}
