/**
 * `npm run bench:fidelity`: does our renderer converge to the same image as an established path tracer on
 * real glTF assets? Each asset is rendered by Lumengrid (the file through our real import, lib/scene/
 * import-gltf.ts, and the WGSL kernel on Chromium's WebGPU) and by three-gpu-pathtracer (the ORIGINAL file
 * through three's GLTFLoader, the .hdr through three's HDRLoader; WebGL2) in the same headless Chromium,
 * through bench:render's browser harness (scripts/bench-render/bench-page.ts). Prints figures, asserts
 * nothing. `--quick`: tiny images, few samples, for development.
 *
 * Per asset: the ratio of mean luminance (ours / peer), the relative RMSE between the two images and each
 * renderer's speed at equal samples per pixel, with the noise floor beside them. Last line:
 *   fidelity: worst_mean_ratio=0.985 worst_rel_rmse=0.04 speed_ratio=1.3
 * worst_mean_ratio: the ratio farthest from 1 (target: all within 0.97–1.03); speed_ratio: the peer's time
 * over ours for the same samples of all assets (> 1: we are faster).
 *
 * What is made equal, and why (each choice is the fair one for comparing converged radiance):
 * - Camera: every built asset has a camera node, which both loaders read; Barrel.glb has none, and the peer
 *   frames it as our importer does (frameBounds) from the bounds three computes. The image aspect replaces
 *   the file's aspect ratio on both sides.
 * - Light: a uniform environment (radiance 1, all around) for the assets without a map, the same .hdr file
 *   for the HDR scene, read by each side's own reader; what camera rays see of it is the same map.
 * - Radiance is compared linear, no tone mapping: ours returns float sums, the peer's float render target
 *   is read back directly (bench-render/browser/peer-worker.ts).
 * - Path length: the same max bounces (bench-render's mapping of its `bounces` to our max_bounces).
 * - Pixel filter: ours jitters uniformly inside the pixel (a box), the peer with a tent of ±1 px; the RMSE
 *   compares the peer's image with ours seen through the tent (image.ts tentFiltered). Mean luminance is
 *   compared unfiltered (a filter moves light between neighbours, not in total, apart from the border).
 * - Noise: both render the same spp; each run stops once halfway, so that the two halves of each image are
 *   independent renders, whose difference measures that renderer's noise without another run. The noise
 *   floor printed per asset is the relative RMSE two independent renders of ours at this spp would show, and
 *   "noise alone" the RMSE that ours vs the peer would show from both renderers' noise if they agreed;
 *   the difference of the measured RMSE above it is the disagreement.
 * - Random numbers: ours is seeded, the peer draws Math.random (its seeded mode is biased, peer-worker.ts).
 * - Textures: the peer resamples every texture into one array of one size; it is set to the file's largest
 *   texture, so nothing is downsampled. The peer's WebGL tracer reads every texture through UV set 0: a
 *   material whose textures all use TEXCOORD_1 gets that set as its first (peer-asset.ts), which is what
 *   the file means.
 * - The peer's light sampling (MIS with its environment importance sampling) and ours differ in noise, not
 *   in expectation: at convergence both are unbiased estimates of the same integral.
 * - Env map orientation: the env-probe asset sees only the sky; both images are compared with the map
 *   looked up in three's equirectangular convention, and with mirrored and turned lookups, so a wrong
 *   convention on either side shows as the smaller error against a wrong lookup.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getBounds, NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { cameraBasis, cameraRay } from '../../lib/render/camera';
import { frameBounds } from '../../lib/scene/import-gltf';
import { gunzipScene, prepareUpload } from '../../lib/scene/prepare-scene';
import type { CameraDescription, Vec3 } from '../../lib/scene/scene-description';
import { openBenchPage } from '../bench-render/bench-page';
import { intFromEnv } from '../bench-render/config';
import { meanLuminance, meanValue, type RgbImage, rmse, tentFiltered, writePng } from '../bench-render/image';
import { type AssetScene, base64ToFloats, type RunReport, type RunRequest } from '../bench-render/protocol';
import { buildAssets } from './build-assets';
import { type EnvironmentMap, lookup } from './environment-map';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const PEER_LABEL = 'three-gpu-pathtracer 0.0.26 (WebGLPathTracer, three 0.187.0, three-mesh-bvh 0.9.17)';

const quick = process.argv.includes('--quick');
/** hdr-spheres taken apart (main.ts's diagnostic assets) instead of the usual set. */
const diagnose = process.argv.includes('--diagnose');
const config = {
  size: intFromEnv('BENCH_SIZE', quick ? 48 : 128, 8, 2048),
  /** Even: each run stops halfway too (the noise estimate). */
  spp: 2 * Math.ceil(intFromEnv('BENCH_SPP', quick ? 16 : 128, 2, 65_536) / 2),
  maxBounces: intFromEnv('BENCH_BOUNCES', 5, 1, 16),
  outDir: process.env.BENCH_OUT || join(tmpdir(), 'lumengrid-bench-fidelity'),
  chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  barrel: process.env.BENCH_BARREL || resolve(REPO_ROOT, '../shared/scenes/Barrel.glb'),
};
/** The orientation probe: aspect 2, a few samples (it sees only the smooth sky). */
const PROBE = { width: 64, height: 32, spp: 8 };

mkdirSync(config.outDir, { recursive: true });
const logLines: string[] = [];
function log(line = ''): void {
  console.log(line);
  logLines.push(line);
}
const fmt = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

log(`bench:fidelity — ${new Date().toISOString()}, output in ${config.outDir}${quick ? ' (--quick)' : ''}`);
log(
  `settings: ${config.size}x${config.size}, ${config.spp} spp each, ${config.maxBounces} bounces; peer: ${PEER_LABEL}`,
);

// 1. The assets: Barrel.glb as published, the built ones, the .hdr.
const assetDir = join(config.outDir, 'assets');
const built = await buildAssets(assetDir);
const files = new Map<string, string>();
const serve = (name: string, path: string) => {
  files.set(`/assets/${name}`, path);
  return `/assets/${name}`;
};
/**
 * Ours gets each .glb as an upload: imported, packed and hashed by the product's upload path
 * (prepareUpload, what the coordinator's import worker runs), the packed file served for the worker.
 */
const importNotes = new Map<string, string[]>();
async function asset(name: string, glb: string, environment: AssetScene['environment']): Promise<AssetScene> {
  const fileName = glb.slice(glb.lastIndexOf('/') + 1);
  const prepared = await prepareUpload(new Map([[fileName, new Uint8Array(readFileSync(glb))]]));
  const packedPath = join(assetDir, `${name}.lgsc`);
  writeFileSync(packedPath, await gunzipScene(prepared.gzip, prepared.packedBytes));
  importNotes.set(name, prepared.warnings);
  const document = await new NodeIO().registerExtensions(ALL_EXTENSIONS).read(glb);
  const scene = document.getRoot().getDefaultScene() ?? document.getRoot().listScenes()[0];
  const bounds = scene ? getBounds(scene) : { min: [0, 0, 0], max: [0, 0, 0] };
  return {
    name,
    url: serve(fileName, glb),
    packed: { url: serve(`${name}.lgsc`, packedPath), hash: prepared.hash },
    framing: frameBounds(bounds as { min: Vec3; max: Vec3 }),
    environment,
  };
}
const uniform = { type: 'uniform', radiance: 1 } as const;
const hdr = { type: 'map', url: serve('sky.hdr', built.hdrPath) } as const;
const assets: AssetScene[] = [];
if (existsSync(config.barrel)) {
  assets.push(await asset('barrel', config.barrel, uniform));
} else {
  log(`Barrel.glb not found at ${config.barrel} (set BENCH_BARREL): left out`);
}
if (diagnose) {
  // hdr-spheres taken apart: each part alone under the map, and the whole under the uniform environment.
  assets.length = 0;
  assets.push(
    await asset('hdr-spheres', built.glb['hdr-spheres'], hdr),
    await asset('hdr-ground', built.glb['hdr-ground'], hdr),
    await asset('hdr-white', built.glb['hdr-white'], hdr),
    await asset('hdr-gold', built.glb['hdr-gold'], hdr),
    await asset('hdr-red', built.glb['hdr-red'], hdr),
    await asset('hdr-spheres-uniform', built.glb['hdr-spheres'], uniform),
    await asset('hdr-ground-uniform', built.glb['hdr-ground'], uniform),
  );
} else {
  assets.push(
    await asset('pbr-box', built.glb['pbr-box'], uniform),
    await asset('cutouts', built.glb.cutouts, uniform),
    await asset('hdr-spheres', built.glb['hdr-spheres'], hdr),
  );
}
const probe = await asset('env-probe', built.glb['env-probe'], hdr);
const only = process.env.BENCH_ASSETS?.split(',').map((s) => s.trim());
if (only) {
  const kept = assets.filter((a) => only.includes(a.name));
  assets.splice(0, assets.length, ...kept);
}
log(`assets: ${assets.map((a) => a.name).join(', ')} (built ones and sky.hdr generated into ${assetDir})`);
log('');

function imageAt(request: RunRequest, report: RunReport, index: number): RgbImage {
  const image = report.checkpoints[index]?.image;
  if (!image) throw new Error(`${request.renderer} returned no image for checkpoint ${index}`);
  return { width: request.width, height: request.height, rgb: base64ToFloats(image) };
}

/** The run's final image and the two independent halves it is the mean of. */
function halves(request: RunRequest, report: RunReport): { full: RgbImage; a: RgbImage; b: RgbImage } {
  const a = imageAt(request, report, 0);
  const full = imageAt(request, report, 1);
  const b = { ...full, rgb: full.rgb.map((v, i) => 2 * v - (a.rgb[i] as number)) };
  return { full, a, b };
}

interface AssetResult {
  name: string;
  meanRatio: number;
  relRmse: number;
  oursMs: number;
  peerMs: number;
}
const results: AssetResult[] = [];
const images: { name: string; image: RgbImage; scale: number }[] = [];

const browser = await openBenchPage(config.chromium, log, files);
let probeImages: { ours: RgbImage; peer: RgbImage } | null = null;
try {
  let peerCompiled = false;
  for (const asset of assets) {
    const request = (renderer: 'ours' | 'peer'): RunRequest => ({
      renderer,
      scene: asset,
      width: config.size,
      height: config.size,
      maxBounces: config.maxBounces,
      seed: 1,
      warmupSpp: 1,
      checkpoints: [config.spp / 2, config.spp],
      withImages: true,
    });
    const oursRequest = request('ours');
    const peerRequest = request('peer');
    const ours = await browser.run(oursRequest);
    if (!peerCompiled) log('three-gpu-pt: compiling its shader (1 to 2 minutes on SwiftShader)…');
    peerCompiled = true;
    const peer = await browser.run(peerRequest);
    const o = halves(oursRequest, ours);
    const p = halves(peerRequest, peer);

    const meanRatio = meanLuminance(o.full) / meanLuminance(p.full);
    const scale = meanValue(p.full);
    const oursTent = tentFiltered(o.full);
    const relRmse = rmse(oursTent, p.full) / scale;
    // Per-image noise at the full spp from the halves: rmse(a, b)² = 4 σ² (each half has twice the variance
    // of the full image, and their difference adds both).
    const sigmaOurs = rmse(o.a, o.b) / 2;
    const sigmaOursTent = rmse(tentFiltered(o.a), tentFiltered(o.b)) / 2;
    const sigmaPeer = rmse(p.a, p.b) / 2;
    const noiseFloor = (Math.SQRT2 * sigmaOurs) / scale;
    const noiseAlone = Math.hypot(sigmaOursTent, sigmaPeer) / scale;
    const beyondNoise = Math.sqrt(Math.max(0, relRmse ** 2 - noiseAlone ** 2));
    const oursMs = ours.checkpoints[1]?.ms ?? Number.NaN;
    const peerMs = peer.checkpoints[1]?.ms ?? Number.NaN;
    const msps = (ms: number) => (config.size ** 2 * config.spp) / (ms / 1000) / 1e6;
    results.push({ name: asset.name, meanRatio, relRmse, oursMs, peerMs });
    log(
      `${asset.name.padEnd(12)} mean luminance ours/peer ${fmt(meanRatio, 3)} (ours ${fmt(meanLuminance(o.full))}, ` +
        `peer ${fmt(meanLuminance(p.full))}); rel RMSE ${fmt(relRmse, 3)}, of it beyond noise ${fmt(beyondNoise, 3)}; ` +
        `noise floor (ours vs ours, other samples) ${fmt(noiseFloor, 3)}, noise alone ours vs peer ${fmt(noiseAlone, 3)}`,
    );
    log(
      `${''.padEnd(12)} ${config.spp} spp: ours ${fmt(msps(oursMs))} M px-samples/s (${fmt(oursMs / 1000, 1)} s; ` +
        `setup ${fmt(ours.setupMs / 1000, 1)} s, compile ${fmt(ours.compileMs / 1000, 1)} s), peer ${fmt(msps(peerMs))} ` +
        `(${fmt(peerMs / 1000, 1)} s; setup ${fmt(peer.setupMs / 1000, 1)} s, compile ${fmt(peer.compileMs / 1000, 1)} s)`,
    );
    for (const note of importNotes.get(asset.name) ?? []) log(`${''.padEnd(12)} ours, import: ${note}`);
    for (const note of ours.notes) log(`${''.padEnd(12)} ours: ${note}`);
    for (const note of peer.notes) log(`${''.padEnd(12)} peer: ${note}`);
    images.push(
      { name: `${asset.name}-lumengrid`, image: o.full, scale: 2 },
      { name: `${asset.name}-three-gpu-pathtracer`, image: p.full, scale: 2 },
    );
  }

  // 2. Env map orientation: the probe sees only the sky.
  const probeRequest = (renderer: 'ours' | 'peer'): RunRequest => ({
    renderer,
    scene: probe,
    width: PROBE.width,
    height: PROBE.height,
    maxBounces: 1,
    seed: 1,
    warmupSpp: 1,
    checkpoints: [PROBE.spp],
    withImages: true,
  });
  const [po, pp] = [probeRequest('ours'), probeRequest('peer')];
  probeImages = {
    ours: imageAt(po, await browser.run(po), 0),
    peer: imageAt(pp, await browser.run(pp), 0),
  };
} finally {
  await browser.close();
}

/**
 * What a camera ray through each pixel sees of the map (4×4 rays a pixel, the box filter), read in three's
 * convention or a wrong one: the probe's expected image.
 */
function expectedSky(
  map: EnvironmentMap,
  camera: CameraDescription,
  mirror: boolean,
  turn: number,
): RgbImage {
  const { width, height } = PROBE;
  const basis = cameraBasis(camera, width, height);
  const rgb = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let s = 0; s < 16; s++) {
        const d = cameraRay(basis, width, height, x + ((s % 4) + 0.5) / 4, y + (Math.floor(s / 4) + 0.5) / 4);
        const l = Math.hypot(...d);
        const c = lookup(map, [d[0] / l, d[1] / l, d[2] / l] as Vec3, mirror, turn);
        for (let k = 0; k < 3; k++)
          rgb[(y * width + x) * 3 + k] = (rgb[(y * width + x) * 3 + k] as number) + (c[k] as number) / 16;
      }
    }
  }
  return { width, height, rgb };
}

log('');
if (probeImages) {
  // The probe's camera, exactly as build-assets.ts places it (both loaders read it from the file).
  const [az, el] = [(20 * Math.PI) / 180, (10 * Math.PI) / 180];
  const camera: CameraDescription = {
    position: [0, 0, 0],
    target: [Math.cos(el) * Math.cos(az), Math.sin(el), Math.cos(el) * Math.sin(az)],
    up: [0, 1, 0],
    yfov: Math.PI / 2,
  };
  const readings: [string, boolean, number][] = [
    ['three convention', false, 0],
    ['u mirrored', true, 0],
    ['turned 90°', false, 90],
    ['turned 180°', false, 180],
  ];
  const line = (image: RgbImage, tent: boolean) =>
    readings
      .map(([label, mirror, turn]) => {
        let expected = expectedSky(built.map, camera, mirror, turn);
        if (tent) expected = tentFiltered(expected);
        return `${label} ${fmt(rmse(image, expected) / meanValue(expected), 3)}`;
      })
      .join(', ');
  log(
    `env-probe (sky only, ${PROBE.width}x${PROBE.height}, ${PROBE.spp} spp): rel RMSE against the map looked up as ` +
      `— ours: ${line(probeImages.ours, false)}; peer: ${line(probeImages.peer, true)}`,
  );
  images.push(
    { name: 'env-probe-lumengrid', image: probeImages.ours, scale: 4 },
    { name: 'env-probe-three-gpu-pathtracer', image: probeImages.peer, scale: 4 },
    { name: 'env-probe-expected', image: expectedSky(built.map, camera, false, 0), scale: 4 },
  );
}

for (const { name, image, scale } of images) {
  const path = join(config.outDir, `${name}.png`);
  writePng(path, image, scale);
  writeFileSync(
    join(config.outDir, `${name}.f32`),
    new Uint8Array(image.rgb.buffer, image.rgb.byteOffset, image.rgb.byteLength),
  );
}
log(`png: ${config.outDir}/<asset>-{lumengrid,three-gpu-pathtracer}.png`);
log(`log: ${join(config.outDir, 'bench-fidelity.log')}`);
const worst = results.reduce(
  (w, r) => (Math.abs(Math.log(r.meanRatio)) > Math.abs(Math.log(w.meanRatio)) ? r : w),
  results[0] as AssetResult,
);
const worstRmse = Math.max(...results.map((r) => r.relRmse));
const speedRatio = results.reduce((s, r) => s + r.peerMs, 0) / results.reduce((s, r) => s + r.oursMs, 0);
const inTarget = results.filter((r) => r.meanRatio >= 0.97 && r.meanRatio <= 1.03).length;
log(
  `mean ratios within 0.97–1.03: ${inTarget} of ${results.length}; worst ${worst.name}; ` +
    `largest rel RMSE ${results.find((r) => r.relRmse === worstRmse)?.name}`,
);
log(
  `fidelity: worst_mean_ratio=${fmt(worst.meanRatio, 3)} worst_rel_rmse=${fmt(worstRmse, 3)} speed_ratio=${fmt(speedRatio, 2)}`,
);
writeFileSync(join(config.outDir, 'bench-fidelity.log'), `${logLines.join('\n')}\n`);
// Chromium and the server are closed; nothing else should hold the process, but be sure.
process.exit(0);
