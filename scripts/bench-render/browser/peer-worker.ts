/**
 * The peer: three-gpu-pathtracer's WebGLPathTracer (WebGL2) in a dedicated worker on an OffscreenCanvas,
 * rendering one sample per renderSample() call and read back as linear floats from its float render target.
 * One renderer and path tracer live for the whole page, so the ~1.5 minute shader compile on SwiftShader is
 * paid once (its defines do not change between the benchmark's scenes).
 */
import { NoToneMapping, WebGLRenderer } from 'three';
import { WebGLPathTracer } from 'three-gpu-pathtracer';
import { DEMO_SCENES } from '../../../lib/scene/demo-scenes';
import { loadAssetForPeer } from '../../bench-fidelity/peer-asset';
import {
  type Checkpoint,
  floatsToBase64,
  type RunOutcome,
  type RunReport,
  type RunRequest,
} from '../protocol';
import { patchedPeerShader } from './peer-shader-patch';
import { sceneToThree, type ThreeScene } from './scene-to-three';

interface Peer {
  renderer: WebGLRenderer;
  tracer: WebGLPathTracer;
  device: string;
  compiled: boolean;
}

let peer: Peer | null = null;

function createPeer(): Peer {
  const canvas = new OffscreenCanvas(1, 1);
  const renderer = new WebGLRenderer({ canvas, antialias: false, alpha: false });
  // Linear output: the image is read from the float target, never through the canvas, but keep the
  // renderer from tone mapping anything on the way.
  renderer.toneMapping = NoToneMapping;
  renderer.setPixelRatio(1);
  const tracer = new WebGLPathTracer(renderer);
  patchLightSampleOrigin(tracer);
  // Render every call, at full resolution, one whole sample per call, and skip the canvas compositing and
  // raster preview the interactive viewer does (they would be timed along with the samples).
  tracer.tiles.set(1, 1);
  tracer.renderDelay = 0;
  tracer.minSamples = 0;
  tracer.fadeDuration = 0;
  tracer.dynamicLowRes = false;
  tracer.rasterizeScene = false;
  tracer.renderToCanvas = false;
  // Random numbers stay the peer's default (Math.random, so every run differs). Its `stableNoise` mode
  // (a seeded LCG) would make runs repeatable, but measured here it renders ~10% darker: biased.
  const gl = renderer.getContext();
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const device = info
    ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL))
    : String(gl.getParameter(gl.RENDERER));
  return { renderer, tracer, device, compiled: false };
}

/** The peer's one fix for bench:fidelity and bench:render alike: peer-shader-patch.ts says why. */
function patchLightSampleOrigin(tracer: WebGLPathTracer): void {
  const material = (
    tracer as unknown as { _pathTracer: { material: { fragmentShader: string; needsUpdate: boolean } } }
  )._pathTracer.material;
  material.fragmentShader = patchedPeerShader(material.fragmentShader);
  material.needsUpdate = true;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One renderSample() and a wait until the GPU has finished it. Reading one pixel is the only portable way to
 * wait in WebGL; it also keeps the GPU queue one sample deep, so no single wait runs into Chromium's GPU
 * watchdog on slow software rendering.
 */
function sampleAndWait(p: Peer, pixel: Float32Array): void {
  const before = p.tracer.samples;
  p.tracer.renderSample();
  if (p.tracer.samples !== before + 1) {
    throw new Error(`renderSample() went from ${before} to ${p.tracer.samples} samples, not one more`);
  }
  p.renderer.readRenderTargetPixels(p.tracer.target, 0, 0, 1, 1, pixel);
}

/** The target's mean radiance as RGB, top row first (WebGL reads bottom row first). */
function readImage(p: Peer, width: number, height: number): Float32Array {
  const rgba = new Float32Array(width * height * 4);
  p.renderer.readRenderTargetPixels(p.tracer.target, 0, 0, width, height, rgba);
  const rgb = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = ((height - 1 - y) * width + x) * 4;
      rgb.set(rgba.subarray(from, from + 3), (y * width + x) * 3);
    }
  }
  return rgb;
}

/**
 * A built-in scene converted from our SceneDescription (scene-to-three.ts), or a glTF asset loaded from its
 * file by three itself (bench-fidelity/peer-asset.ts), at the image's aspect.
 */
async function sceneFor(p: Peer, request: RunRequest): Promise<ThreeScene> {
  const aspect = request.width / request.height;
  const { scene } = request;
  if (typeof scene !== 'string') {
    const asset = await loadAssetForPeer(scene, aspect);
    // One texture size for all (the peer's texture array): the file's largest, so nothing is downsampled.
    const side = Math.min(asset.largestTexture, p.renderer.capabilities.maxTextureSize);
    p.tracer.textureSize.set(side, side);
    return asset;
  }
  const demo = DEMO_SCENES[scene];
  if (!demo) throw new Error(`unknown built-in scene '${scene}'`);
  p.tracer.textureSize.set(1024, 1024);
  return sceneToThree(demo.build(), aspect, request.peerEmitters);
}

async function run(request: RunRequest): Promise<RunReport> {
  peer ??= createPeer();
  const p = peer;
  const { width, height } = request;
  const notes: string[] = [];

  const setupBegan = performance.now();
  const converted = await sceneFor(p, request);
  notes.push(...converted.notes);
  p.renderer.setSize(width, height, false);
  // Path length: the peer's loop traces `bounces` rays and samples lights at each hit, i.e. at most
  // `bounces` scattering events, as our max_bounces. Its stratified sampler needs
  // bounces + transmissiveBounces + 5 >= 17 dimensions or it silently renders near-black.
  p.tracer.bounces = request.maxBounces;
  p.tracer.transmissiveBounces = Math.max(0, 17 - 5 - request.maxBounces);
  p.tracer.setScene(converted.scene, converted.camera);
  const setupMs = performance.now() - setupBegan;

  const pixel = new Float32Array(4);
  // The first sample: the shader compiles (asynchronously, KHR_parallel_shader_compile) and renderSample()
  // does nothing until it is ready. Polling keeps this worker's event loop free for the compile to finish.
  const compileBegan = performance.now();
  while (p.tracer.samples < 1) {
    p.tracer.renderSample();
    if (p.tracer.samples < 1) await pause(20);
  }
  p.renderer.readRenderTargetPixels(p.tracer.target, 0, 0, 1, 1, pixel);
  const firstMs = performance.now() - compileBegan;
  const compileMs = p.compiled ? 0 : firstMs;
  p.compiled = true;

  // Warm-up (the first sample above counts towards it), then start a fresh accumulation for the timed part.
  const warmupBegan = performance.now();
  for (let s = 1; s < request.warmupSpp; s++) sampleAndWait(p, pixel);
  const warmupMs = (request.warmupSpp > 0 ? firstMs - compileMs : 0) + performance.now() - warmupBegan;
  p.tracer.reset();

  const checkpoints: Checkpoint[] = [];
  let ms = 0;
  for (const spp of request.checkpoints) {
    const began = performance.now();
    while (p.tracer.samples < spp) sampleAndWait(p, pixel);
    ms += performance.now() - began;
    const checkpoint: Checkpoint = { spp, ms };
    if (request.withImages) checkpoint.image = floatsToBase64(readImage(p, width, height));
    checkpoints.push(checkpoint);
    if (request.stopAfterMs !== undefined && ms >= request.stopAfterMs) break;
  }
  return { device: p.device, setupMs, compileMs, warmupMs, checkpoints, notes };
}

self.onmessage = (event: MessageEvent<RunRequest>) => {
  run(event.data).then(
    (report): void => self.postMessage({ ok: true, report } satisfies RunOutcome),
    (cause: unknown): void =>
      self.postMessage({
        ok: false,
        error: cause instanceof Error ? `${cause.message}\n${cause.stack ?? ''}` : String(cause),
      } satisfies RunOutcome),
  );
};
