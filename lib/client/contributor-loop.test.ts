import { describe, expect, it } from 'vitest';
import type { Lease, SubmitReceipt } from '../core/api-types';
import { ApiError } from './api';
import { createContributorLoop, type LoopApi, type LoopWorker } from './contributor-loop';
import { createContributorStore } from './contributor-store';

const adapter = {
  vendor: 'test',
  architecture: 'cpu',
  description: 'fake',
  isFallback: true,
  limits: {
    maxStorageBufferBindingSize: 1 << 27,
    maxBufferSize: 1 << 28,
    maxComputeWorkgroupSizeX: 256,
    maxComputeInvocationsPerWorkgroup: 256,
    maxComputeWorkgroupsPerDimension: 65535,
    maxStorageBuffersPerShaderStage: 8,
  },
  features: [],
};

function lease(unitId: number): Lease {
  return {
    leaseId: `lease-${unitId}`,
    jobId: 'job-0123456789',
    unitId,
    expiresAt: Date.now() + 60_000,
    task: {
      sceneHash: 'ab'.repeat(32),
      environment: { type: 'uniform', radiance: [0, 0, 0] },
      width: 16,
      height: 16,
      seed: 1,
      maxBounces: 2,
      region: { x: 0, y: 0, width: 4, height: 2 },
      sampleStart: 0,
      sampleEnd: 4,
    },
  };
}

const receipt: SubmitReceipt = {
  accepted: true,
  duplicate: false,
  job: { id: 'job-0123456789', status: 'rendering', unitsDone: 1, unitsTotal: 4 },
};

/** Renders hold until the test lets them go (when it holds the gate). */
let gate: Promise<void> = Promise.resolve();

const worker: LoopWorker = {
  probe: async () => ({ ok: true, adapter }),
  render: async (task) => {
    await gate;
    return {
      ok: true,
      data: new Float32Array(task.region.width * task.region.height * 5),
      gpuMs: 1,
      dispatches: 1,
    };
  },
};

/** Resolves once `predicate` holds, checking after every macrotask. */
async function until(predicate: () => boolean) {
  for (let i = 0; i < 1000 && !predicate(); i++) await new Promise((r) => setTimeout(r, 0));
  expect(predicate()).toBe(true);
}

function setup(leases: Array<Lease | null | Error>, submits: Array<SubmitReceipt | Error> = []) {
  const store = createContributorStore();
  const sleeps: number[] = [];
  const calls = { lease: 0, submit: 0 };
  let clock = 0;
  const api: LoopApi = {
    leaseWork: async () => {
      const next = leases[calls.lease++];
      if (next === undefined) return null;
      if (next instanceof Error) throw next;
      return next;
    },
    submitResult: async () => {
      const next = submits[calls.submit++] ?? receipt;
      if (next instanceof Error) throw next;
      return next;
    },
  };
  const loop = createContributorLoop(store, worker, {
    sessionId: 'session',
    api,
    now: () => (clock += 500),
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((r) => setTimeout(r, 0));
    },
  });
  return { store, loop, sleeps, calls };
}

describe('contributor loop', () => {
  it('probes, then leases, renders and submits units, waiting when there is no work', async () => {
    const { store, loop, sleeps } = setup([lease(0), null, lease(1)]);
    await loop.probe();
    expect(store.getState()).toMatchObject({ status: 'idle', adapter });
    loop.start();
    await until(() => store.getState().unitsDone === 2);
    // 4×2 pixels × 4 samples per unit; each render took 500 ms on the fake clock.
    expect(store.getState()).toMatchObject({ status: 'running', pixelSamplesDone: 64, samplesPerSecond: 64 });
    expect(sleeps[0]).toBe(1000);
    loop.dispose();
  });

  it('finishes the unit in hand when paused, then stops leasing until resumed', async () => {
    const { store, loop, calls } = setup([lease(0), lease(1), lease(2)]);
    let open = () => {};
    gate = new Promise((resolve) => {
      open = resolve;
    });
    await loop.probe();
    loop.start();
    await until(() => store.getState().activity === 'rendering');
    loop.pause();
    expect(store.getState().status).toBe('pausing');
    open();
    await until(() => store.getState().status === 'paused');
    expect(store.getState().unitsDone).toBe(1);
    expect(calls.lease).toBe(1);
    loop.resume();
    await until(() => store.getState().unitsDone === 3);
    loop.dispose();
  });

  it('shows a refused submission as the last error and goes on', async () => {
    const expired = new ApiError(409, 'The lease expired', ['The unit went to someone else.'], 'LeaseError');
    const { store, loop } = setup([lease(0), lease(1)], [expired]);
    await loop.probe();
    loop.start();
    await until(() => store.getState().unitsDone === 1);
    expect(store.getState().lastError).toMatch(/refused: The lease expired\nThe unit went to someone else/);
    loop.dispose();
  });

  it('backs off 1 s, 2 s, 4 s … up to 10 s while the coordinator is unreachable', async () => {
    const down = () => new TypeError('Failed to fetch');
    const { store, loop, sleeps } = setup([down(), down(), down(), down(), down(), lease(0)]);
    await loop.probe();
    loop.start();
    await until(() => store.getState().unitsDone === 1);
    expect(sleeps.slice(0, 5)).toEqual([1000, 2000, 4000, 8000, 10_000]);
    expect(store.getState().backoffMs).toBeNull();
    loop.dispose();
  });
});
