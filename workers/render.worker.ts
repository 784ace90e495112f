/**
 * The render worker: owns the WebGPU device and the compiled path tracer for one page, and renders tasks
 * off the main thread so the page stays responsive while the GPU works. Exposes one API object through
 * comlink; its types live in ./render-worker-api.ts.
 */
import * as Comlink from 'comlink';
import { DutyCycle } from '../lib/contributor/duty-cycle';
import { pixelListProblem, type RenderTask } from '../lib/protocol/render-task';
import { resultByteLengthForTask, taskPixelCount } from '../lib/protocol/result-layout';
import { type AdapterSummary, acquireGpu, inspectGpu } from '../lib/render/capability';
import { PathTracer } from '../lib/render/path-tracer';
import {
  coordinatorEnvironmentMapDownload,
  coordinatorSceneDownload,
  SceneLoader,
} from '../lib/render/scene-loader';
import type {
  Probe,
  RenderOutcome,
  RenderPacing,
  RenderProgress,
  RenderWorkerApi,
} from './render-worker-api';

interface Gpu {
  device: GPUDevice;
  tracer: PathTracer;
  /** Downloads (from this page's coordinator), verifies and uploads the scenes tasks name. */
  scenes: SceneLoader;
  adapter: AdapterSummary;
}

type Acquired = { ok: true; gpu: Gpu } | { ok: false; reason: string; nextStep: string };

/** The device and pipeline, acquired once and reused by every task; null until asked for or after loss. */
let acquiring: Promise<Acquired> | null = null;
/** Why the last device was lost, reported with the next failure. */
let lostMessage: string | null = null;
/** Tasks run one after another: the tracer's adaptive dispatch sizing assumes it has the GPU to itself. */
let queue: Promise<unknown> = Promise.resolve();
/**
 * The contributor's intensity: each dispatch is a burst, and the idle it earns is waited out before the
 * next one, across tasks (time spent uploading and leasing in between counts as idle).
 */
const cycle = new DutyCycle();
/** Bumped by cancel(): a task asked for under an older generation stops at its next dispatch. */
let generation = 0;

/** Thrown from the tracer's beforeDispatch hook to stop a cancelled task. */
class RenderCancelled extends Error {
  override readonly name = 'RenderCancelled';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function acquire(): Promise<Acquired> {
  if (acquiring) return acquiring;
  const attempt = (async (): Promise<Acquired> => {
    const result = await acquireGpu(self.navigator.gpu);
    if (!result.ok) return result;
    const { device, adapter } = result;
    let tracer: PathTracer;
    try {
      tracer = await PathTracer.create(device);
    } catch (cause) {
      device.destroy();
      return {
        ok: false,
        reason: `The path tracer does not compile on this GPU: ${messageOf(cause)}`,
        nextStep: 'Update your browser and graphics driver, then reload the page.',
      };
    }
    void device.lost.then((info) => {
      // A later probe or render acquires a fresh device instead of using the dead one.
      if (info.reason !== 'destroyed') lostMessage = info.message || 'the GPU device was lost';
      if (acquiring === attempt) acquiring = null;
    });
    const scenes = new SceneLoader(tracer, coordinatorSceneDownload(), coordinatorEnvironmentMapDownload());
    return { ok: true, gpu: { device, tracer, scenes, adapter } };
  })().catch(
    (cause): Acquired => ({
      ok: false,
      reason: `WebGPU failed while starting: ${messageOf(cause)}`,
      nextStep: 'Reload the page; if it keeps failing, restart the browser.',
    }),
  );
  acquiring = attempt;
  // Failures are not cached: a busy or resetting GPU may work on the next try.
  void attempt.then((result) => {
    if (!result.ok && acquiring === attempt) acquiring = null;
  });
  return attempt;
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** Rejects tasks that would only fail later inside the GPU, with a message that says why. */
function checkTask(task: RenderTask, limits: GPUSupportedLimits): string | null {
  const { region } = task;
  const whole = [task.width, task.height, region.width, region.height].every(
    (n) => Number.isInteger(n) && n > 0,
  );
  if (!whole) return 'The task has an empty or fractional image or region size.';
  if (region.x < 0 || region.y < 0 || region.x + region.width > task.width) {
    return 'The task region lies outside the image.';
  }
  if (region.y + region.height > task.height) return 'The task region lies outside the image.';
  if (!(task.sampleEnd > task.sampleStart && task.sampleStart >= 0)) {
    return `The task's sample range [${task.sampleStart}, ${task.sampleEnd}) is empty.`;
  }
  // A pixel list (the region is then the unit's tile, checked above, but not what is rendered).
  const listProblem = pixelListProblem(task);
  if (listProblem) return listProblem;
  const bytes = resultByteLengthForTask(task);
  if (bytes > limits.maxStorageBufferBindingSize || bytes > limits.maxBufferSize) {
    const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
    const smaller = task.pixels ? 'Render fewer pixels.' : 'Render a smaller region.';
    return `The task needs a ${mib(bytes)} buffer; this GPU allows ${mib(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize))}. ${smaller}`;
  }
  return null;
}

const CANCELLED: RenderOutcome = { ok: false, error: 'The render was stopped.', cancelled: true };

async function renderNow(
  task: RenderTask,
  asked: number,
  onProgress?: RenderProgress,
  pacing?: RenderPacing,
): Promise<RenderOutcome> {
  const stopped = () => asked !== generation;
  if (stopped()) return CANCELLED;
  // The lease's deadline on this worker's clock (the page measured the time left when it called).
  const deadline = pacing?.leaseMsLeft !== undefined ? performance.now() + pacing.leaseMsLeft : null;
  const pixelCount = taskPixelCount(task);
  let samplesDone = 0;
  const acquired = await acquire();
  if (!acquired.ok) {
    const lost = lostMessage ? ` (the previous device was lost: ${lostMessage})` : '';
    return { ok: false, error: `${acquired.reason}${lost} ${acquired.nextStep}` };
  }
  const { device, tracer, scenes } = acquired.gpu;
  const invalid = checkTask(task, device.limits);
  if (invalid) return { ok: false, error: invalid };
  try {
    await scenes.ensureTask(task);
  } catch (cause) {
    return { ok: false, error: `Could not load the scene: ${messageOf(cause)}` };
  }

  // Errors inside WebGPU are reported through error scopes, not thrown: catch them for this task.
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let output: Awaited<ReturnType<PathTracer['render']>> | null = null;
  let thrown: unknown = null;
  try {
    output = await tracer.render(task, {
      beforeDispatch: async () => {
        await cycle.waitForTurn({
          sleep,
          stopped,
          lease: () => {
            if (deadline === null) return null;
            const busyLeftMs = cycle.estimateMs(
              pixelCount * (task.sampleEnd - task.sampleStart - samplesDone),
            );
            return { msLeft: deadline - performance.now(), busyLeftMs };
          },
        });
        if (stopped()) throw new RenderCancelled();
        cycle.begin();
      },
      onProgress: (done) => {
        cycle.end(pixelCount * (done - samplesDone));
        samplesDone = done;
        // Fire and forget: the page's answer must not hold up the next dispatch.
        if (onProgress) Promise.resolve(onProgress(done)).catch(() => {});
      },
    });
  } catch (cause) {
    thrown = cause;
  }
  const scopeErrors: string[] = [];
  for (const kind of ['validation', 'out of memory']) {
    try {
      const error = await device.popErrorScope();
      if (error) scopeErrors.push(`${kind}: ${error.message}`);
    } catch {
      // A lost device has no scopes left to pop; device.lost already reset the cache.
    }
  }
  if (thrown instanceof RenderCancelled) return CANCELLED;
  if (scopeErrors.length > 0) return { ok: false, error: `WebGPU reported ${scopeErrors.join('; ')}` };
  if (thrown !== null || output === null) {
    const lost = lostMessage ? ` (the GPU device was lost: ${lostMessage})` : '';
    return { ok: false, error: `Rendering failed: ${messageOf(thrown)}${lost}` };
  }
  const { data, gpuMs, dispatches } = output;
  return Comlink.transfer({ ok: true, data, gpuMs, dispatches }, [data.buffer]);
}

const api: RenderWorkerApi = {
  async inspect(): Promise<Probe> {
    // A device already acquired answers for itself; otherwise only list the adapter (no device, no shader).
    const current = acquiring ? await acquiring : null;
    if (current?.ok) return { ok: true, adapter: current.gpu.adapter };
    return inspectGpu(self.navigator.gpu);
  },

  async probe(): Promise<Probe> {
    const acquired = await acquire();
    return acquired.ok ? { ok: true, adapter: acquired.gpu.adapter } : acquired;
  },

  setShare(share) {
    cycle.setShare(share);
  },

  cancel() {
    generation++;
  },

  render(task, onProgress, pacing) {
    const asked = generation;
    const run = queue.then(() =>
      renderNow(task, asked, onProgress, pacing).catch(
        (cause): RenderOutcome => ({ ok: false, error: `Rendering failed: ${messageOf(cause)}` }),
      ),
    );
    queue = run;
    return run.finally(() => {
      // The page's callback arrived as a comlink proxy holding a MessagePort: let it go.
      const proxy = onProgress as Partial<Comlink.Remote<RenderProgress>> | undefined;
      proxy?.[Comlink.releaseProxy]?.();
    });
  },
};

Comlink.expose(api);
