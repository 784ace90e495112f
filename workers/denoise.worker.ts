/**
 * The denoise worker: the requestor's side of the denoised preview. Owns its own WebGPU device (the job
 * page is not a contributor and has no render worker), the path tracer for the guide buffers and the
 * filter. The denoised image goes back to the page only: nothing is sent to the coordinator.
 */
import * as Comlink from 'comlink';
import { encode } from 'fast-png';
import { acquireGpu } from '../lib/render/capability';
import {
  type DenoiseJob,
  Denoiser,
  denoisedToSums,
  guideTask,
  noisyFromSums,
  sumsFromAccumulation,
} from '../lib/render/denoise';
import { MAX_DENOISE_PIXELS } from '../lib/render/denoise-limits';
import { PathTracer } from '../lib/render/path-tracer';
import { encodePfm } from '../lib/render/pfm';
import { coordinatorSceneDownload, SceneLoader } from '../lib/render/scene-loader';
import { toneMapAccumulation } from '../lib/render/tonemap';
import type { DenoiseOutcome, DenoiseWorkerApi } from './denoise-worker-api';

interface Gpu {
  tracer: PathTracer;
  denoiser: Denoiser;
  scenes: SceneLoader;
}

let acquiring: Promise<Gpu> | null = null;
/** The last job's guides: they depend only on the job's settings, not on how far it has rendered. */
let cachedGuides: { key: string; guides: Float32Array } | null = null;
let queue: Promise<unknown> = Promise.resolve();

function acquire(): Promise<Gpu> {
  acquiring ??= (async () => {
    const result = await acquireGpu(self.navigator.gpu);
    if (!result.ok) throw new Error(`${result.reason} ${result.nextStep}`);
    const { device } = result;
    void device.lost.then(() => {
      acquiring = null;
      cachedGuides = null;
    });
    const [tracer, denoiser] = await Promise.all([PathTracer.create(device), Denoiser.create(device)]);
    return { tracer, denoiser, scenes: new SceneLoader(tracer, coordinatorSceneDownload()) };
  })();
  acquiring.catch(() => {
    acquiring = null;
  });
  return acquiring;
}

async function denoiseNow(jobId: string, version: number, job: DenoiseJob): Promise<DenoiseOutcome> {
  const { width, height } = job;
  const pixels = width * height;
  if (!(Number.isInteger(pixels) && pixels > 0 && pixels <= MAX_DENOISE_PIXELS)) {
    return {
      ok: false,
      error: `A ${width}×${height} image is too large to denoise in the browser (at most ${MAX_DENOISE_PIXELS.toLocaleString('en')} pixels).`,
      nextStep: 'Download the linear float (PFM) image and denoise it with a desktop tool.',
    };
  }
  try {
    const gpu = await acquire();
    const response = await fetch(`/api/jobs/${encodeURIComponent(jobId)}/accumulation`);
    if (!response.ok) throw new Error(`the job's image could not be downloaded (HTTP ${response.status})`);
    const sums = sumsFromAccumulation(await response.arrayBuffer(), width, height);
    const began = performance.now();
    const key = JSON.stringify(job);
    if (cachedGuides?.key !== key) {
      await gpu.scenes.ensure(job.sceneHash);
      cachedGuides = { key, guides: await gpu.tracer.renderGuides(guideTask(job)) };
    }
    const denoised = await gpu.denoiser.denoise({
      width,
      height,
      noisy: noisyFromSums(sums, pixels),
      guides: cachedGuides.guides,
    });
    const gpuMs = performance.now() - began;
    const denoisedSums = denoisedToSums(denoised, pixels);
    const rgba = toneMapAccumulation(denoisedSums, pixels);
    const png = encode({ width, height, data: rgba, channels: 4 }) as Uint8Array<ArrayBuffer>;
    const pfm = encodePfm(denoisedSums, width, height);
    return Comlink.transfer({ ok: true, version, rgba, png, pfm, gpuMs }, [
      rgba.buffer,
      png.buffer,
      pfm.buffer,
    ]);
  } catch (cause) {
    return {
      ok: false,
      error: `Denoising failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      nextStep: 'The farm’s image above is unaffected. Reload the page to try again.',
    };
  }
}

const api: DenoiseWorkerApi = {
  denoise(jobId, version, job) {
    const run = queue.then(() => denoiseNow(jobId, version, job));
    queue = run;
    return run;
  },
};

Comlink.expose(api);
