/**
 * `npm run bench:denoise`: how much the requestor's denoised preview (lib/render/denoise.ts) improves the
 * early, low-sample image a browser farm delivers, and that it keeps its brightness. Renders each scene at
 * 16 and 64 spp and at a high-spp reference (another seed, cached on disk), denoises the low-spp images
 * with guides from their own camera samples, and prints per scene and spp: RMSE of the noisy and the
 * denoised image against the reference, their ratio, and the mean-luminance ratio denoised / noisy.
 * Prints figures, asserts nothing (the assertions are in lib/render/denoise.test.ts).
 *
 * RMSE is over linear RGB, leaving out the pixels that see a light (directly or in a mirror): the filter
 * passes those through untouched, and their antialiasing noise (radiance 17 against 0.5 beside it) would
 * otherwise drown every other pixel's figure. The reference's own noise is printed beside it: a ratio
 * cannot fall far below reference noise / noisy RMSE.
 *
 * Settings (environment): DENOISE_SIZE (default 64, square), DENOISE_REF_SPP (default 1024),
 * DENOISE_SCENES (comma-separated; default cornell,showcase,ShapeCollection.glb,Barrel.glb), DENOISE_OUT
 * (PNGs, log and the cached references; default $TMPDIR/lumengrid-bench-denoise). On a real GPU raise them
 * (DENOISE_SIZE=256 DENOISE_REF_SPP=16384).
 *
 * Last line, for scripts: `denoise: rmse_ratio_16=… rmse_ratio_64=… worst_mean_shift=…%`, the ratios the
 * geometric mean over scenes, the shift the largest |mean luminance denoised / noisy - 1| of any run.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encode } from 'fast-png';
import { DEFAULT_ENVIRONMENT, type Environment, type RenderTask } from '../lib/protocol/render-task';
import { acquireGpu } from '../lib/render/capability';
import { Denoiser, denoisedToSums, GUIDE_SAMPLES, noisyFromSums } from '../lib/render/denoise';
import { meanLuminance, meansOfSums, rgbOfRgba } from '../lib/render/image-error';
import { nodeGpu } from '../lib/render/node-gpu';
import { GUIDE_CHANNELS, PathTracer } from '../lib/render/path-tracer';
import { pathTraceShader } from '../lib/render/shaders';
import { toneMapAccumulation } from '../lib/render/tonemap';
import { DEMO_SCENES } from '../lib/scene/demo-scenes';
import { importGltf } from '../lib/scene/import-gltf';
import { packScene } from '../lib/scene/pack-scene';
import type { PackedScene } from '../lib/scene/packed-scene';
import { serializePackedScene } from '../lib/scene/scene-file';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const FIXTURES = join(REPO_ROOT, 'e2e/fixtures/scenes');
const TEST_SEED = 1;
const REFERENCE_SEED = 0x5eed_c0de;
/** The emitter mask's guides: many samples, another seed, so that no sliver of a light is missed. */
const MASK_SEED = 0x6d61_736b;
const MASK_SAMPLES = 64;
const SPPS = [16, 64] as const;
const MAX_BOUNCES = 4;
/** The built-in boxes are lit by their own emitters; the others by the default sky (lib/work/scene-store.ts). */
const BLACK: Environment = { type: 'uniform', radiance: [0, 0, 0] };

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}=${raw}: expected a whole number in [${min}, ${max}]`);
  }
  return value;
}

const size = intFromEnv('DENOISE_SIZE', 64, 8, 1024);
const refSpp = intFromEnv('DENOISE_REF_SPP', 1024, 128, 1 << 20);
const sceneNames = (process.env.DENOISE_SCENES || 'cornell,showcase,ShapeCollection.glb,Barrel.glb')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const outDir = process.env.DENOISE_OUT || join(tmpdir(), 'lumengrid-bench-denoise');
mkdirSync(outDir, { recursive: true });

const logLines: string[] = [];
function log(line = ''): void {
  console.log(line);
  logLines.push(line);
}

async function loadScene(name: string): Promise<{ packed: PackedScene; environment: Environment }> {
  const demo = DEMO_SCENES[name];
  if (demo) {
    return {
      packed: packScene(demo.build()),
      environment: name === 'showcase' ? DEFAULT_ENVIRONMENT : BLACK,
    };
  }
  const path = join(FIXTURES, name);
  if (!existsSync(path)) throw new Error(`unknown scene '${name}': not a demo scene nor ${path}`);
  const imported = await importGltf({ files: new Map([[name, new Uint8Array(readFileSync(path))]]) });
  return { packed: packScene(imported.scene), environment: DEFAULT_ENVIRONMENT };
}

/** Per-pixel squared RGB error summed over the channels, and the pixel count, over unmasked pixels. */
function maskedRmse(image: Float32Array, reference: Float32Array, mask: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p]) continue;
    for (let c = 0; c < 3; c++) sum += ((image[p * 3 + c] as number) - (reference[p * 3 + c] as number)) ** 2;
    n += 3;
  }
  return Math.sqrt(sum / Math.max(1, n));
}

function writePng(name: string, sums: Float32Array, scale = 4): void {
  const rgba = toneMapAccumulation(sums, size * size);
  const big = new Uint8Array(size * scale * size * scale * 4);
  for (let y = 0; y < size * scale; y++) {
    for (let x = 0; x < size * scale; x++) {
      const from = (Math.floor(y / scale) * size + Math.floor(x / scale)) * 4;
      big.set(rgba.subarray(from, from + 4), (y * size * scale + x) * 4);
    }
  }
  writeFileSync(
    join(outDir, name),
    encode({ width: size * scale, height: size * scale, data: big, channels: 4 }),
  );
}

const gpu = await acquireGpu(nodeGpu());
if (!gpu.ok) throw new Error(`${gpu.reason} ${gpu.nextStep}`);
const { device } = gpu;
log(`device: ${gpu.adapter.description || gpu.adapter.vendor || 'unknown adapter'}`);
log(
  `settings: ${size}x${size}, reference ${refSpp} spp, ${MAX_BOUNCES} bounces, guides ${GUIDE_SAMPLES} samples`,
);
const [tracer, denoiser] = await Promise.all([PathTracer.create(device), Denoiser.create(device)]);

const ratios: Record<(typeof SPPS)[number], number[]> = { 16: [], 64: [] };
let worstShift = 0;
const pixels = size * size;
const fmt = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

log();
log(
  'scene                 spp  rmse_noisy  rmse_denoised  ratio   mean_lum_ratio  ref_noise  guides_ms  filter_ms',
);
for (const name of sceneNames) {
  const { packed, environment } = await loadScene(name);
  const hash = `bench:${name}`;
  tracer.loadScene(hash, packed);
  const task = (seed: number, sampleEnd: number): RenderTask => ({
    sceneHash: hash,
    environment,
    width: size,
    height: size,
    seed,
    maxBounces: MAX_BOUNCES,
    region: { x: 0, y: 0, width: size, height: size },
    sampleStart: 0,
    sampleEnd,
  });

  // The reference, cached under everything that could change its pixels.
  const key = createHash('sha256')
    .update(JSON.stringify({ name, size, refSpp, environment, MAX_BOUNCES, REFERENCE_SEED }))
    .update(pathTraceShader())
    .update(readFileSync(join(REPO_ROOT, 'lib/render/path-tracer.ts')))
    .update(serializePackedScene(packed))
    .digest('hex')
    .slice(0, 16);
  const refPath = join(outDir, `reference-${name}-${size}px-${refSpp}spp-${key}.f32`);
  let referenceSums: Float32Array;
  if (existsSync(refPath)) {
    const bytes = readFileSync(refPath);
    referenceSums = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
  } else {
    const began = performance.now();
    referenceSums = (await tracer.render(task(REFERENCE_SEED, refSpp))).data;
    writeFileSync(refPath, referenceSums);
    log(`  (reference for ${name} rendered in ${((performance.now() - began) / 1000).toFixed(1)} s, cached)`);
  }
  const reference = meansOfSums(referenceSums, pixels);
  const maskGuides = await tracer.renderGuides(task(MASK_SEED, MASK_SAMPLES));
  const mask = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) mask[p] = (maskGuides[p * GUIDE_CHANNELS + 7] as number) > 0 ? 1 : 0;
  // The reference's own error, from its per-pixel variance (luminance): the floor of any RMSE against it.
  const referenceVariance = noisyFromSums(referenceSums, pixels);
  let varianceSum = 0;
  let unmasked = 0;
  for (let p = 0; p < pixels; p++) {
    if (mask[p]) continue;
    varianceSum += referenceVariance[p * 4 + 3] as number;
    unmasked++;
  }
  const referenceNoise = Math.sqrt(varianceSum / Math.max(1, unmasked));
  writePng(`${name}-reference.png`, referenceSums);

  for (const spp of SPPS) {
    const sums = (await tracer.render(task(TEST_SEED, spp))).data;
    let began = performance.now();
    const guides = await tracer.renderGuides(task(TEST_SEED, GUIDE_SAMPLES));
    const guidesMs = performance.now() - began;
    began = performance.now();
    const denoised = await denoiser.denoise({
      width: size,
      height: size,
      noisy: noisyFromSums(sums, pixels),
      guides,
    });
    const filterMs = performance.now() - began;
    const noisyRgb = meansOfSums(sums, pixels);
    const denoisedRgb = rgbOfRgba(denoised, pixels);
    const rmseNoisy = maskedRmse(noisyRgb, reference, mask);
    const rmseDenoised = maskedRmse(denoisedRgb, reference, mask);
    const ratio = rmseDenoised / rmseNoisy;
    const meanRatio = meanLuminance(denoisedRgb) / meanLuminance(noisyRgb);
    ratios[spp].push(ratio);
    worstShift = Math.max(worstShift, Math.abs(meanRatio - 1));
    writePng(`${name}-${spp}spp-noisy.png`, sums);
    writePng(`${name}-${spp}spp-denoised.png`, denoisedToSums(denoised, pixels));
    log(
      `${name.padEnd(20)} ${String(spp).padStart(4)}  ${fmt(rmseNoisy).padStart(10)}  ${fmt(rmseDenoised).padStart(13)}  ${fmt(ratio, 3).padStart(5)}   ${fmt(meanRatio).padStart(14)}  ${fmt(referenceNoise).padStart(9)}  ${fmt(guidesMs, 0).padStart(9)}  ${fmt(filterMs, 0).padStart(9)}`,
    );
  }
  log(
    `  ${name}: ${mask.reduce((n, m) => n + m, 0)} of ${pixels} pixels see a light and are left out of RMSE`,
  );
}

const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / Math.max(1, xs.length));
log();
log(`images and log: ${outDir}`);
writeFileSync(join(outDir, 'bench-denoise.log'), `${logLines.join('\n')}\n`);
log(
  `denoise: rmse_ratio_16=${fmt(geomean(ratios[16]), 2)} rmse_ratio_64=${fmt(geomean(ratios[64]), 2)} worst_mean_shift=${(worstShift * 100).toFixed(1)}%`,
);
device.destroy();
