/**
 * `npm run bench:render`: how fast Lumengrid's path tracer renders, in Node (Dawn) and in a Chromium Web
 * Worker (WebGPU), and how it compares with three-gpu-pathtracer (WebGL2) in the same Chromium at equal
 * image error. Prints figures, asserts nothing. Settings: config.ts (environment variables).
 *
 * Last two lines, for scripts (figures from SwiftShader on 2 cores):
 *   node: mesh_msps=0.0137 demo_msps=0.0333
 *   render: mesh_msps=0.0206 demo_msps=0.0453 vs_three_gpu_pathtracer=16.69
 * msps = million pixel-samples per second in steady state (after a warm-up; compile time reported apart);
 * mesh = 'dense' (61k triangles), demo = 'cornell'; vs_three_gpu_pathtracer = our speed / the peer's speed
 * at equal image error on 'cornell' (> 1: we are faster), with the peer's emitter staged as
 * browser/scene-to-three.ts describes. That staging double-counts some light paths (fireflies) and the peer
 * converges to a darker image than ours, so the line before the summary gives the other readings: without
 * the pixels that see the light, with the peer lit by its lights alone, and at equal noise (bias left out).
 * Read them together; none of them alone is a fair single number.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BuiltInSceneId } from '../../lib/protocol/job-spec';
import { acquireGpu } from '../../lib/render/capability';
import { nodeGpu } from '../../lib/render/node-gpu';
import { DEMO_SCENES } from '../../lib/scene/demo-scenes';
import { openBenchPage } from './bench-page';
import { type BenchConfig, readConfig } from './config';
import { emitterMask } from './emitter-mask';
import {
  meanLuminance,
  meanValue,
  type RgbImage,
  rmse,
  TENT_NOISE_FACTOR,
  tentFiltered,
  writePng,
} from './image';
import { OursRunner } from './ours-runner';
import { base64ToFloats, type RendererId, type RunReport, type RunRequest, sceneName } from './protocol';
import { loadOrRenderReference } from './reference';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
/** Test renders use this seed; the reference another, so that their random streams are independent. */
const TEST_SEED = 1;
const REFERENCE_SEED = 0x5eed_c0de;
const PEER_LABEL = 'three-gpu-pathtracer 0.0.26 (WebGLPathTracer, three 0.187.0, three-mesh-bvh 0.9.17)';

const config = readConfig();
mkdirSync(config.outDir, { recursive: true });
const logLines: string[] = [];
function log(line = ''): void {
  console.log(line);
  logLines.push(line);
}
const fmt = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface Timed {
  report: RunReport;
  /** Steady-state million pixel-samples per second over all checkpoints. */
  msps: number;
}

function steadyMsps(request: RunRequest, report: RunReport): number {
  const last = report.checkpoints[report.checkpoints.length - 1];
  if (!last) return Number.NaN;
  return (request.width * request.height * last.spp) / (last.ms / 1000) / 1e6;
}

function speedRequest(renderer: RendererId, scene: BuiltInSceneId, c: BenchConfig): RunRequest {
  return {
    renderer,
    scene,
    width: c.size,
    height: c.size,
    maxBounces: c.maxBounces,
    seed: TEST_SEED,
    warmupSpp: c.warmupSpp,
    checkpoints: [c.spp],
    withImages: true,
  };
}

function imageOf(request: RunRequest, report: RunReport, index = report.checkpoints.length - 1): RgbImage {
  const image = report.checkpoints[index]?.image;
  if (!image) throw new Error(`${request.renderer} returned no image for checkpoint ${index}`);
  return { width: request.width, height: request.height, rgb: base64ToFloats(image) };
}

function speedLine(where: string, request: RunRequest, timed: Timed): string {
  const { report } = timed;
  const last = report.checkpoints[report.checkpoints.length - 1];
  const name = request.renderer === 'ours' ? 'lumengrid' : 'three-gpu-pt';
  return (
    `${where.padEnd(8)} ${name.padEnd(12)} ${sceneName(request.scene).padEnd(7)} ${request.width}x${request.height} ` +
    `${last?.spp ?? 0} spp, ${request.maxBounces} bounces: ${fmt(timed.msps)} M px-samples/s ` +
    `(${seconds(last?.ms ?? 0)} timed; setup ${seconds(report.setupMs)}, compile ${seconds(report.compileMs)}, ` +
    `warm-up ${request.warmupSpp} spp ${seconds(report.warmupMs)}) on ${report.device}` +
    (report.notes.length > 0 ? ` [${report.notes.join('; ')}]` : '')
  );
}

/** Least-squares slope of log(error) against log(spp): -0.5 for pure noise, flatter where bias shows. */
function convergenceSlope(points: { spp: number; error: number }[]): number {
  const usable = points.filter((p) => p.spp >= 4 && p.error > 0);
  const n = usable.length;
  if (n < 2) return Number.NaN;
  const xs = usable.map((p) => Math.log(p.spp));
  const ys = usable.map((p) => Math.log(p.error));
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    sxx += ((xs[i] as number) - mx) ** 2;
  }
  return sxy / sxx;
}

/**
 * Fits RMSE² = floor² + V / spp over the checkpoints with spp >= 4: `floor` is where the renderer would end
 * up against this reference at infinite spp (its bias, plus the reference's own noise), V its noise. Each
 * point is weighted by spp², since the spread of a measured RMSE² shrinks as 1/spp.
 */
function fitErrorModel(points: { spp: number; error: number }[]): { floor: number; v: number } {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    if (p.spp < 4) continue;
    const w = p.spp ** 2;
    const x = 1 / p.spp;
    const y = p.error ** 2;
    sw += w;
    sx += w * x;
    sy += w * y;
    sxx += w * x * x;
    sxy += w * x * y;
  }
  const v = (sw * sxy - sx * sy) / (sw * sxx - sx * sx);
  const floor2 = (sy - v * sx) / sw;
  return { floor: Math.sqrt(Math.max(0, floor2)), v };
}

/** Checkpoints 1, 2, 4, … up to `max`, always including `must`. */
function doublings(must: number, max: number): number[] {
  const out = new Set<number>([must]);
  for (let s = 1; s < max; s *= 2) out.add(s);
  out.add(max);
  return [...out].filter((s) => s <= max).sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------------------
log(`bench:render — ${new Date().toISOString()}, output in ${config.outDir}`);
log(
  `settings: speed ${config.size}x${config.size} x ${config.spp} spp after ${config.warmupSpp} warm-up spp, ` +
    `${config.maxBounces} bounces; error on cornell ${config.errorSize}x${config.errorSize} up to ` +
    `${config.errorSpp} spp against a ${config.refSpp}-spp reference`,
);
log('');

// 1. Ours in Node (Dawn).
const gpu = await acquireGpu(nodeGpu());
if (!gpu.ok) throw new Error(`${gpu.reason} ${gpu.nextStep}`);
const { vendor, architecture, description } = gpu.adapter;
const nodeRunner = new OursRunner(
  gpu.device,
  [vendor, architecture, description].filter(Boolean).join(' / '),
);
const nodeSpeed = new Map<BuiltInSceneId, number>();
const images: { name: string; image: RgbImage; scale: number }[] = [];
for (const scene of config.scenes) {
  const request = speedRequest('ours', scene, config);
  const report = await nodeRunner.run(request);
  const timed = { report, msps: steadyMsps(request, report) };
  nodeSpeed.set(scene, timed.msps);
  images.push({ name: `speed-node-lumengrid-${scene}`, image: imageOf(request, report), scale: 2 });
  log(speedLine('node', request, timed));
}

// 2. The reference (ours, Node, high spp, cached).
const reference = await loadOrRenderReference(
  nodeRunner,
  {
    scene: 'cornell',
    size: config.errorSize,
    spp: config.refSpp,
    maxBounces: config.maxBounces,
    seed: REFERENCE_SEED,
  },
  config.outDir,
  REPO_ROOT,
  log,
);
log(
  `reference: cornell ${config.errorSize}x${config.errorSize}, ${config.refSpp} spp, rendered by OUR renderer in Node ` +
    `(${reference.renderMs === null ? 'from cache' : `in ${seconds(reference.renderMs)}`}): ${reference.path}`,
);

// 3. Both renderers in one headless Chromium, each in its own Web Worker.
const browser = await openBenchPage(config.chromium, log);
const run = browser.run;
const browserSpeed = new Map<string, Timed>();
let peerCompiled = false;

/** The image-error runs on cornell: ours, the peer as staged, and the peer with lights alone. */
type ErrorRunKey = 'ours' | 'peer' | 'peer-light-only';
const ERROR_LABELS: Record<ErrorRunKey, string> = {
  ours: 'lumengrid',
  peer: 'three-gpu-pt',
  'peer-light-only': 'three-gpu-pt light-only',
};
const errorRuns = new Map<ErrorRunKey, { request: RunRequest; report: RunReport }>();
try {
  const renderers: RendererId[] = config.skipPeer ? ['ours'] : ['ours', 'peer'];
  // Interleaved scene by scene, so that drifting load on the machine affects both renderers alike.
  for (const scene of config.scenes) {
    for (const renderer of renderers) {
      if (renderer === 'peer' && !peerCompiled) {
        log('chromium three-gpu-pt: compiling its shader (1 to 2 minutes on SwiftShader)…');
        peerCompiled = true;
      }
      const request = speedRequest(renderer, scene, config);
      const report = await run(request);
      const timed = { report, msps: steadyMsps(request, report) };
      browserSpeed.set(`${renderer}:${scene}`, timed);
      const name = renderer === 'ours' ? 'lumengrid' : 'three-gpu-pathtracer';
      images.push({ name: `speed-chromium-${name}-${scene}`, image: imageOf(request, report), scale: 2 });
      log(speedLine('chromium', request, timed));
    }
  }

  // Error runs on cornell. The peer renders errorSpp; ours renders on until it has spent as long as the
  // peer would have (at the speeds just measured), for the model-free cross-check below.
  const speedRatio =
    (browserSpeed.get('ours:cornell')?.msps ?? Number.NaN) /
    (browserSpeed.get('peer:cornell')?.msps ?? Number.NaN);
  const oursMax = Number.isFinite(speedRatio)
    ? Math.max(config.errorSpp, 2 ** Math.ceil(Math.log2(config.errorSpp * Math.min(speedRatio, 8))))
    : config.errorSpp;
  const keys: ErrorRunKey[] = config.skipPeer ? ['ours'] : ['ours', 'peer', 'peer-light-only'];
  for (const key of keys) {
    const request: RunRequest = {
      renderer: key === 'ours' ? 'ours' : 'peer',
      scene: 'cornell',
      width: config.errorSize,
      height: config.errorSize,
      maxBounces: config.maxBounces,
      seed: TEST_SEED,
      warmupSpp: config.warmupSpp,
      checkpoints: doublings(config.errorSpp, key === 'ours' ? oursMax : config.errorSpp),
      withImages: true,
      peerEmitters: key === 'peer-light-only' ? 'light-only' : 'staged',
    };
    errorRuns.set(key, { request, report: await run(request) });
  }
} finally {
  await browser.close();
}

// 4. Image error against the reference.
log('');
log(
  `image error on cornell ${config.errorSize}x${config.errorSize}, ${config.maxBounces} bounces, against the ` +
    `${config.refSpp}-spp reference. The reference comes from OUR renderer (another seed), so it measures how ` +
    'far each image is from what our renderer converges to: any systematic difference of the peer (its BRDFs, ' +
    'light handling, pixel filter) counts as error for the peer. The peer is compared with the reference ' +
    'filtered by its own pixel filter (tent, +-1 px, approximated by (1,6,1)/8 in x and y). RMSE over all ' +
    'pixels and channels of linear radiance; relative = RMSE / mean(reference); "masked" leaves out the ' +
    'pixels that see the light (their footprint, +-1 px), which the peer cannot render with lights alone.',
);
const cornell = DEMO_SCENES.cornell;
if (!cornell) throw new Error("the built-in scene 'cornell' is missing");
const ref = reference.image;
const refMean = meanValue(ref);
const refTent = tentFiltered(ref);
const mask = emitterMask(cornell.build(), config.errorSize, config.errorSize);
log(
  `  the tent filter alone moves the reference by RMSE ${fmt(rmse(refTent, ref))} (masked ` +
    `${fmt(rmse(refTent, ref, mask))}); mean value ${fmt(refMean)}; ${mask.reduce((a, b) => a + b, 0)} of ` +
    `${mask.length} pixels masked`,
);

interface Point {
  spp: number;
  ms: number;
  /** Against the reference as this renderer's pixel filter sees it, all pixels and masked. */
  error: number;
  masked: number;
}
interface Curve {
  points: Point[];
  final: RgbImage;
}
const curves = new Map<ErrorRunKey, Curve>();
for (const [key, { request, report }] of errorRuns) {
  const against = key === 'ours' ? ref : refTent;
  const points = report.checkpoints.map((c, i): Point => {
    const image = imageOf(request, report, i);
    return { spp: c.spp, ms: c.ms, error: rmse(image, against), masked: rmse(image, against, mask) };
  });
  const final = imageOf(
    request,
    report,
    report.checkpoints.findIndex((c) => c.spp === config.errorSpp),
  );
  curves.set(key, { points, final });
  const name = ERROR_LABELS[key];
  for (const p of points) {
    log(
      `  ${name.padEnd(24)} ${String(p.spp).padStart(5)} spp ${seconds(p.ms).padStart(8)}: RMSE ${fmt(p.error)} ` +
        `(relative ${fmt(p.error / refMean, 3)}), masked ${fmt(p.masked)}`,
    );
  }
  const series = (pick: (p: Point) => number) => points.map((p) => ({ spp: p.spp, error: pick(p) }));
  const [all, masked] = [series((p) => p.error), series((p) => p.masked)];
  log(
    `  ${name.padEnd(24)} slope d log RMSE / d log spp (>= 4 spp): ${fmt(convergenceSlope(all), 3)}, masked ` +
      `${fmt(convergenceSlope(masked), 3)}; fitted floor (RMSE at infinite spp): ${fmt(fitErrorModel(all).floor)}, ` +
      `masked ${fmt(fitErrorModel(masked).floor)}`,
  );
  const file =
    key === 'ours'
      ? 'lumengrid'
      : key === 'peer'
        ? 'three-gpu-pathtracer'
        : 'three-gpu-pathtracer-light-only';
  images.push({ name: `error-chromium-${file}-cornell-${config.errorSpp}spp`, image: final, scale: 4 });
}
images.push({ name: `reference-cornell-${config.refSpp}spp`, image: ref, scale: 4 });

/**
 * Our speed over the peer's at equal error, from both errors at the same spp and the steady-state speeds:
 * with RMSE² ∝ 1/spp the peer needs (e_peer / e_ours)² as many samples as we do, at 1/speed each. The
 * reference's own noise is in both errors; ours is pure noise, e² = V (1/n + 1/N_ref), which gives the
 * reference's share V / N_ref to take out (for the peer as seen through the tent filter).
 */
function equalErrorRatio(eOurs: number, ePeer: number, sOurs: number, sPeer: number) {
  const n = config.errorSpp;
  const refNoise2 = eOurs ** 2 / (1 / n + 1 / config.refSpp) / config.refSpp;
  const ours = Math.sqrt(Math.max(0, eOurs ** 2 - refNoise2));
  const peer = Math.sqrt(Math.max(0, ePeer ** 2 - TENT_NOISE_FACTOR * refNoise2));
  return { ours, peer, refNoise: Math.sqrt(refNoise2), vs: (peer / ours) ** 2 * (sOurs / sPeer) };
}

const oursCurve = curves.get('ours');
const peerCurve = curves.get('peer');
const lightOnlyCurve = curves.get('peer-light-only');
let vsPeer = Number.NaN;
/** The other readings of the comparison, for the line before the summary. */
let variantsLine = '';
if (oursCurve && peerCurve && lightOnlyCurve) {
  const n = config.errorSpp;
  const at = (c: Curve) => c.points.find((p) => p.spp === n);
  const o = at(oursCurve);
  const p = at(peerCurve);
  const l = at(lightOnlyCurve);
  const sOurs = browserSpeed.get('ours:cornell')?.msps ?? Number.NaN;
  const sPeer = browserSpeed.get('peer:cornell')?.msps ?? Number.NaN;
  if (o && p && l) {
    const main = equalErrorRatio(o.error, p.error, sOurs, sPeer);
    const maskedStaged = equalErrorRatio(o.masked, p.masked, sOurs, sPeer);
    const maskedLightOnly = equalErrorRatio(o.masked, l.masked, sOurs, sPeer);
    vsPeer = main.vs;
    log('');
    log(
      `equal image error (method): both render cornell at ${n} spp; RMSE² falls as 1/spp, so the peer reaches ` +
        'our RMSE after (RMSE_peer / RMSE_ours)² times as many samples, each costing 1 / speed_peer at the ' +
        'steady-state speeds measured above in the same Chromium: vs = (RMSE_peer / RMSE_ours)² × ' +
        "speed_ours / speed_peer (> 1: we are faster); equivalently the peer's RMSE at our time is " +
        "RMSE_peer × sqrt(speed_ours / speed_peer). The reference's own noise is taken out of both RMSEs first. " +
        'Where a slope above is flatter than -0.5, the model flatters that renderer.',
    );
    log(
      `  speed ours ${fmt(sOurs)}, peer ${fmt(sPeer)} M px-samples/s; reference noise RMSE ${fmt(main.refNoise)}; ` +
        `at ${n} spp RMSE ours ${fmt(main.ours)}, peer ${fmt(main.peer)}; the peer's RMSE at our time for ${n} spp ` +
        `${fmt(main.peer * Math.sqrt(sOurs / sPeer))}`,
    );
    log(`  time the peer needs to reach our RMSE / our time = ${fmt(vsPeer, 2)} (all pixels, peer staged)`);
    log(
      `  the same without the pixels that see the light: ${fmt(maskedStaged.vs, 2)} (peer staged), ` +
        `${fmt(maskedLightOnly.vs, 2)} (peer with lights alone: nothing counted twice)`,
    );
    // Bias and noise apart: the fitted floors say whether the peer can reach our error at all, and the
    // fitted noise constants give the speed ratio at equal noise, bias left out.
    const series = (c: Curve, pick: (q: Point) => number) =>
      c.points.map((q) => ({ spp: q.spp, error: pick(q) }));
    const fOurs = fitErrorModel(series(oursCurve, (q) => q.error));
    const fPeer = fitErrorModel(series(peerCurve, (q) => q.error));
    const fOursMasked = fitErrorModel(series(oursCurve, (q) => q.masked));
    const fLightOnly = fitErrorModel(series(lightOnlyCurve, (q) => q.masked));
    const noiseStaged = (fPeer.v / fOurs.v) * (sOurs / sPeer);
    const noiseLightOnly = (fLightOnly.v / fOursMasked.v) * (sOurs / sPeer);
    variantsLine =
      `vs_three_gpu_pathtracer readings: staged all pixels ${fmt(vsPeer, 2)}, staged masked ${fmt(maskedStaged.vs, 2)}, ` +
      `lights alone masked ${fmt(maskedLightOnly.vs, 2)}, noise only: staged ${fmt(noiseStaged, 2)}, lights alone ` +
      `${fmt(noiseLightOnly, 2)}`;
    log(
      `  noise alone (fitted V of RMSE² = floor² + V / spp, floors left out): ${fmt(noiseStaged, 2)} (peer staged), ` +
        `${fmt(noiseLightOnly, 2)} (lights alone, masked); floors: peer staged ${fmt(fPeer.floor)} vs our RMSE ` +
        `in the peer's time for ${n} spp ${fmt(main.ours * Math.sqrt(sPeer / sOurs))}, ` +
        `lights alone ${fmt(fLightOnly.floor)} vs ${fmt(maskedLightOnly.ours * Math.sqrt(sPeer / sOurs))} (masked): ` +
        'where a floor is the larger, the peer never reaches our error at all',
    );
    // A model-free cross-check: our measured error curve (log-log interpolation) at the time the peer took.
    const ourSppAtPeerTime = (n * sOurs) / sPeer;
    const pts = oursCurve.points;
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1];
      const b = pts[i];
      if (a && b && a.spp <= ourSppAtPeerTime && ourSppAtPeerTime <= b.spp) {
        const f = Math.log(ourSppAtPeerTime / a.spp) / Math.log(b.spp / a.spp);
        const e = Math.exp(Math.log(a.error) + f * Math.log(b.error / a.error));
        log(
          `  cross-check without the 1/spp model: in the peer's time for ${n} spp we render ` +
            `${fmt(ourSppAtPeerTime, 1)} spp, measured RMSE ${fmt(e)} vs the peer's ${fmt(p.error)} (both uncorrected)`,
        );
      }
    }
  }
  // Brightness: do both converge to the same image?
  const ratio = (image: RgbImage, skip?: Uint8Array) => meanLuminance(image, skip) / meanLuminance(ref, skip);
  const [oAll, oMasked] = [ratio(oursCurve.final), ratio(oursCurve.final, mask)];
  const [pAll, pMasked] = [ratio(peerCurve.final), ratio(peerCurve.final, mask)];
  log(
    `  mean luminance / reference at ${n} spp: ours ${fmt(oAll, 3)} (masked ${fmt(oMasked, 3)}), peer staged ` +
      `${fmt(pAll, 3)} (masked ${fmt(pMasked, 3)}), peer with lights alone masked ` +
      `${fmt(ratio(lightOnlyCurve.final, mask), 3)}; peer staged / ours ${fmt(pAll / oAll, 3)} (masked ` +
      `${fmt(pMasked / oMasked, 3)})`,
  );
  for (const scene of config.scenes) {
    const a = images.find((i) => i.name === `speed-chromium-lumengrid-${scene}`)?.image;
    const b = images.find((i) => i.name === `speed-chromium-three-gpu-pathtracer-${scene}`)?.image;
    const demo = DEMO_SCENES[scene];
    if (a && b && demo) {
      const m = emitterMask(demo.build(), a.width, a.height);
      log(
        `  ${scene} ${config.size}x${config.size} speed images (${config.spp} spp each, noisy): mean luminance ` +
          `peer / ours ${fmt(meanLuminance(b) / meanLuminance(a), 3)} (masked ` +
          `${fmt(meanLuminance(b, m) / meanLuminance(a, m), 3)})`,
      );
    }
  }
}

// 5. Images and log next to each other.
log('');
for (const { name, image, scale } of images) {
  const path = join(config.outDir, `${name}.png`);
  writePng(path, image, scale);
  log(`png: ${path}`);
}
log(`peer: ${PEER_LABEL}`);
log(`log: ${join(config.outDir, 'bench-render.log')}`);
if (variantsLine) log(variantsLine);
const msps = (m: Map<BuiltInSceneId, number>, scene: BuiltInSceneId) => fmt(m.get(scene) ?? Number.NaN);
const chromiumOurs = new Map<BuiltInSceneId, number>(
  config.scenes.map((s) => [s, browserSpeed.get(`ours:${s}`)?.msps ?? Number.NaN]),
);
log(`node: mesh_msps=${msps(nodeSpeed, 'dense')} demo_msps=${msps(nodeSpeed, 'cornell')}`);
log(
  `render: mesh_msps=${msps(chromiumOurs, 'dense')} demo_msps=${msps(chromiumOurs, 'cornell')} ` +
    `vs_three_gpu_pathtracer=${fmt(vsPeer, 2)}`,
);
writeFileSync(join(config.outDir, 'bench-render.log'), `${logLines.join('\n')}\n`);
// Dawn keeps the process alive while its instance exists (lib/render/node-gpu.ts holds it for good).
process.exit(0);
