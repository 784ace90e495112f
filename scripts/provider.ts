/**
 * `npm run provider -- --url http://coordinator:3000`: a headless contributor for machines with a real GPU.
 * Runs the same WGSL path tracer as the browser through Dawn (npm `webgpu`) and the same lease → render →
 * submit loop as the contribute page (lib/client/contributor-loop.ts).
 *
 * On machines without a GPU driver it falls back to SwiftShader (slow, but useful for tests).
 */
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { parseArgs } from 'node:util';
import { ApiError, leaseWork, releaseLease, submitResult } from '../lib/client/api';
import { createContributorLoop } from '../lib/contributor/contributor-loop';
import { CONSENT_VERSION, createContributorStore } from '../lib/contributor/contributor-store';
import type { RenderTask } from '../lib/protocol/render-task';
import { acquireGpu } from '../lib/render/capability';
import { nodeGpu } from '../lib/render/node-gpu';
import { PathTracer } from '../lib/render/path-tracer';
import {
  coordinatorEnvironmentMapDownload,
  coordinatorSceneDownload,
  SceneLoader,
} from '../lib/render/scene-loader';
import type { Probe, RenderOutcome } from '../workers/render-worker-api';

const USAGE = `Usage: npm run provider -- [options]

  --url URL               coordinator to work for (default http://127.0.0.1:3000)
  --session ID            contributor session id (default: a new random one)
  --once                  exit after the first idle poll (when there is no more work)
  --verifier-token TOKEN  lease as the operator's trusted verifier: render only escalations and audits
                          (default: env LUMENGRID_VERIFIER_TOKEN; npm start passes its own)
  --low-priority          yield the CPU to every other process (npm start runs its verifier so)
  --help                  print this and exit`;

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        url: { type: 'string', default: 'http://127.0.0.1:3000' },
        session: { type: 'string' },
        once: { type: 'boolean', default: false },
        'verifier-token': { type: 'string' },
        'low-priority': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
})();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values['low-priority']) lowerPriority();
const base = (values.url ?? '').replace(/\/+$/, '');
const sessionId = values.session ?? `node-${randomUUID()}`;
const verifierToken = values['verifier-token'] || process.env.LUMENGRID_VERIFIER_TOKEN || undefined;
const baseFetch: typeof fetch = (input, init) =>
  fetch(typeof input === 'string' && input.startsWith('/') ? `${base}${input}` : input, init);

const gpu = await acquireGpu(nodeGpu());
if (!gpu.ok) {
  // npm start reports this line when its trusted verifier cannot start.
  console.error(`No GPU to render with: ${gpu.reason}\n${gpu.nextStep}`);
  process.exit(1);
}
const tracer = await PathTracer.create(gpu.device);
const scenes = new SceneLoader(
  tracer,
  coordinatorSceneDownload(base),
  coordinatorEnvironmentMapDownload(base),
);
const adapter = gpu.adapter;
console.log(
  `GPU: ${adapter.vendor} ${adapter.architecture} ${adapter.description}${adapter.isFallback ? ' (software)' : ''}`,
);
console.log(`Working for ${base} as ${sessionId}${verifierToken ? ' with the verifier token' : ''}`);

/**
 * Lowers this process's CPU priority before Dawn and SwiftShader start their threads, which inherit it. On
 * Linux a priority belongs to one thread: the ones Node already runs (V8's, libuv's) are lowered one by one.
 */
function lowerPriority() {
  const low = constants.priority.PRIORITY_LOW;
  setPriority(low);
  if (process.platform !== 'linux') return;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      setPriority(Number(tid), low);
    } catch {
      // a thread that ended meanwhile
    }
  }
}

/** Longest wait between a verifier's lease requests while the coordinator has nothing for it. */
const VERIFIER_MAX_IDLE_MS = 15_000;

const worker = {
  async inspect(): Promise<Probe> {
    return { ok: true, adapter };
  },
  async probe(): Promise<Probe> {
    return { ok: true, adapter };
  },
  // A headless provider uses its GPU in full and has nothing to cancel: it stops with the process.
  setShare() {},
  cancel() {},
  async render(task: RenderTask): Promise<RenderOutcome> {
    try {
      await scenes.ensureTask(task);
      const { data, gpuMs, dispatches } = await tracer.render(task);
      return { ok: true, data, gpuMs, dispatches };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  },
};

// Running this command is the operator's consent; the machine is given over to the farm.
const store = createContributorStore({ consent: { version: CONSENT_VERSION, at: Date.now() }, intensity: 1 });
const loop = createContributorLoop(store, worker, {
  sessionId,
  verifierToken,
  // A verifier is idle nearly always (escalations and audits are rare): ask less often the longer
  // nothing comes, 1 s doubling up to 15 s, so that an idle verifier costs neither side any CPU to speak of.
  ...(verifierToken ? { maxIdleRetryMs: VERIFIER_MAX_IDLE_MS } : {}),
  api: {
    leaseWork: async (id, options) => {
      const lease = await leaseWork(id, { ...options, fetch: baseFetch }).catch((error: unknown) => {
        // A refused token does not get better by asking again: say so and stop.
        if (verifierToken && error instanceof ApiError && error.status === 401) {
          console.error(`The coordinator refused the verifier token: ${error.message}`);
          process.exit(3);
        }
        throw error;
      });
      if (!lease && values.once) setImmediate(stop);
      return lease;
    },
    submitResult: (lease, id, data, options) =>
      submitResult(lease, id, data, { ...options, fetch: baseFetch }),
    releaseLease: (lease, id, options) => releaseLease(lease, id, { ...options, fetch: baseFetch }),
  },
});

let reported = 0;
let lastErrorAt: number | null = null;
store.subscribe((state) => {
  if (state.unitsDone !== reported) {
    reported = state.unitsDone;
    const speed = state.samplesPerSecond ? `${(state.samplesPerSecond / 1e6).toFixed(3)} M px-samples/s` : '';
    console.log(`units done: ${state.unitsDone}  ${speed}  ${state.currentUnit ?? ''}`);
  }
  if (state.lastError && state.lastErrorAt !== lastErrorAt) {
    lastErrorAt = state.lastErrorAt;
    console.error(`error: ${state.lastError}`);
  }
});

function stop() {
  loop.dispose();
  gpu.ok && gpu.device.destroy();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

await loop.probe();
loop.start();
