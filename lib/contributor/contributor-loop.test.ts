import { describe, expect, it } from 'vitest';
import type { Probe, RenderOutcome } from '../../workers/render-worker-api';
import { ApiError } from '../client/api';
import type { Lease, SubmitReceipt } from '../protocol/api-types';
import type { RenderTask } from '../protocol/render-task';
import { createContributorLoop, type LoopApi, type LoopWorker } from './contributor-loop';
import {
  CONSENT_VERSION,
  type ContributorState,
  createContributorStore,
  memoryStorage,
} from './contributor-store';

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

const consent = { version: CONSENT_VERSION, at: 1 };

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

/** Resolves once `predicate` holds, checking after every macrotask. */
async function until(predicate: () => boolean) {
  for (let i = 0; i < 1000 && !predicate(); i++) await new Promise((r) => setTimeout(r, 0));
  expect(predicate()).toBe(true);
}

/** A worker whose renders hold until the test opens the gate (or cancels them), and that records calls. */
function fakeWorker(probe: Probe = { ok: true, adapter }) {
  let open = () => {};
  let gate: Promise<void> = Promise.resolve();
  let cancelled = () => {};
  const calls = {
    inspect: 0,
    probe: 0,
    cancel: 0,
    shares: [] as number[],
    renders: [] as { task: RenderTask; leaseMsLeft: number | undefined }[],
  };
  const worker: LoopWorker = {
    inspect: async () => {
      calls.inspect++;
      return probe;
    },
    probe: async () => {
      calls.probe++;
      return probe;
    },
    setShare: (share) => calls.shares.push(share),
    cancel: () => {
      calls.cancel++;
      cancelled();
    },
    render: async (task, _onProgress, pacing): Promise<RenderOutcome> => {
      calls.renders.push({ task, leaseMsLeft: pacing?.leaseMsLeft });
      const stop = new Promise<'cancelled'>((resolve) => {
        cancelled = () => resolve('cancelled');
      });
      if ((await Promise.race([gate, stop])) === 'cancelled') {
        return { ok: false, error: 'The render was stopped.', cancelled: true };
      }
      const data = new Float32Array((task.pixels?.length ?? task.region.width * task.region.height) * 5);
      for (let p = 0; p < data.length; p += 5) data.set([0.5, 0.25, 0.125, 0.1, 4], p);
      return { ok: true, data, gpuMs: 100, dispatches: 1 };
    },
  };
  return {
    worker,
    calls,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release: () => open(),
  };
}

function setup(
  leases: Array<Lease | null | Error>,
  submits: Array<SubmitReceipt | Error> = [],
  init: Partial<ContributorState> = { consent },
  fake = fakeWorker(),
  random = 1,
  loopOptions: { maxIdleRetryMs?: number; verifierToken?: string } = {},
) {
  const store = createContributorStore(init, { storage: memoryStorage() });
  const sleeps: number[] = [];
  const calls = {
    lease: 0,
    submit: 0,
    released: [] as string[],
    submitted: [] as Float32Array[],
    tokens: [] as (string | undefined)[],
  };
  let clock = 0;
  const api: LoopApi = {
    leaseWork: async (_session, options) => {
      calls.tokens.push(options?.verifierToken);
      const next = leases[calls.lease++];
      if (next === undefined) return null;
      if (next instanceof Error) throw next;
      return next;
    },
    submitResult: async (_lease, _session, data) => {
      calls.submitted.push(data);
      const next = submits[calls.submit++] ?? receipt;
      if (next instanceof Error) throw next;
      return next;
    },
    releaseLease: async (l) => {
      calls.released.push(l.leaseId);
      return { released: true };
    },
  };
  const loop = createContributorLoop(store, fake.worker, {
    sessionId: 'session',
    api,
    now: () => (clock += 500),
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((r) => setTimeout(r, 0));
    },
    random: () => random,
    ...loopOptions,
  });
  return { store, loop, sleeps, calls, fake };
}

describe('contributor loop', () => {
  it('looks at the GPU without using it, then prepares it once and leases, renders and submits units', async () => {
    const { store, loop, sleeps, fake } = setup([lease(0), null, lease(1)]);
    await loop.probe();
    expect(store.getState()).toMatchObject({ status: 'idle', adapter });
    expect(fake.calls).toMatchObject({ inspect: 1, probe: 0 });
    loop.start();
    await until(() => store.getState().unitsDone === 2);
    // 4×2 pixels × 4 samples per unit; each render took 500 ms on the fake clock, 100 ms of it on the GPU.
    expect(store.getState()).toMatchObject({
      status: 'running',
      pixelSamplesDone: 64,
      samplesPerSecond: 64,
      gpuSamplesPerSecond: 320,
    });
    expect(fake.calls.probe).toBe(1);
    expect(sleeps[0]).toBe(1000);
    loop.dispose();
  });

  it('waits longer after each empty answer up to maxIdleRetryMs, and a lease resets it', async () => {
    const leases = [null, null, null, null, null, null, lease(0), null, null];
    const { store, loop, sleeps, calls } = setup(leases, [], { consent }, fakeWorker(), 1, {
      maxIdleRetryMs: 30_000,
      verifierToken: 'operator-token',
    });
    await loop.probe();
    loop.start();
    await until(() => calls.lease >= 10);
    loop.dispose();
    expect(store.getState().unitsDone).toBe(1);
    expect(sleeps.slice(0, 9)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 1000, 2000, 4000]);
    // Every lease request carries the verifier token.
    expect(new Set(calls.tokens)).toEqual(new Set(['operator-token']));
  });

  it('renders the spot checks a lease carries after its unit and sends all their results as one', async () => {
    const check = (unitId: number, pixels: number[]) => ({
      jobId: 'job-other-0001',
      unitId,
      task: { ...lease(0).task, pixels, sampleStart: 8, sampleEnd: 12 },
    });
    const batched = { ...lease(0), checks: [check(7, [1, 2, 3]), check(9, [40])] };
    const { store, loop, calls, fake } = setup([batched, null]);
    await loop.probe();
    loop.start();
    await until(() => store.getState().unitsDone === 1);
    expect(fake.calls.renders.map((r) => r.task.pixels?.length ?? 'unit')).toEqual(['unit', 3, 1]);
    // One submission: the unit's 4x2 pixels, then 3 and 1 check pixels, 5 floats each.
    expect(calls.submit).toBe(1);
    expect(calls.submitted[0]?.length).toBe((8 + 3 + 1) * 5);
    // 4x2 x 4 unit samples plus 4 x 4 check samples; the live view shows the unit's tile.
    expect(store.getState().pixelSamplesDone).toBe(32 + 16);
    expect(store.getState().lastTile?.region).toEqual(lease(0).task.region);
    loop.dispose();
  });

  it('leases the next unit while the current one renders, and drops one that lapsed in the meantime', async () => {
    const fake = fakeWorker();
    fake.hold();
    const lapsed = { ...lease(1), expiresAt: Date.now() - 1 };
    const { store, loop, calls } = setup([lease(0), lapsed, lease(2), null], [], { consent }, fake);
    await loop.probe();
    loop.start();
    await until(() => store.getState().activity === 'rendering');
    // The first unit is still rendering and the second was already asked for: no idle round trip.
    await until(() => calls.lease === 2);
    expect(calls.submit).toBe(0);
    fake.release();
    await until(() => store.getState().unitsDone === 2);
    // The lapsed lease was never rendered: it belongs to someone else now.
    expect(fake.calls.renders.map((r) => r.task.region)).toHaveLength(2);
    expect(calls.submit).toBe(2);
    loop.dispose();
  });

  it('renders nothing without consent', async () => {
    const { store, loop, calls, fake } = setup([lease(0)], [], { consent: null });
    await loop.probe();
    loop.start();
    await new Promise((r) => setTimeout(r, 10));
    expect(store.getState().status).toBe('idle');
    expect(calls.lease).toBe(0);
    expect(fake.calls).toMatchObject({ probe: 0, renders: [] });
    store.setState({ consent });
    loop.start();
    await until(() => store.getState().unitsDone === 1);
    loop.dispose();
  });

  it('stops the unit in hand when consent is withdrawn, and sends nothing', async () => {
    const fake = fakeWorker();
    fake.hold();
    const { store, loop, calls } = setup([lease(0), lease(1)], [], { consent }, fake);
    await loop.probe();
    loop.start();
    await until(() => store.getState().activity === 'rendering');
    store.setState({ consent: null });
    await until(() => store.getState().status === 'paused');
    expect(fake.calls.cancel).toBe(1);
    // The unit leased ahead while the first rendered is given back, not left to lapse.
    expect(calls).toMatchObject({ lease: 2, submit: 0, released: [lease(1).leaseId] });
    expect(store.getState()).toMatchObject({ unitsDone: 0, currentUnit: null, lastError: null });
    loop.start();
    expect(store.getState().status).toBe('paused');
    loop.dispose();
  });

  it('finishes the unit in hand when paused, then stops leasing until resumed', async () => {
    const fake = fakeWorker();
    fake.hold();
    const { store, loop, calls } = setup([lease(0), lease(1), lease(2), lease(3)], [], { consent }, fake);
    await loop.probe();
    loop.start();
    await until(() => store.getState().activity === 'rendering');
    loop.pause();
    expect(store.getState().status).toBe('pausing');
    fake.release();
    await until(() => store.getState().status === 'paused');
    expect(store.getState().unitsDone).toBe(1);
    // One unit was leased ahead while the first rendered; pausing gave it back and leased nothing more.
    expect(calls.lease).toBe(2);
    expect(calls.released).toEqual([lease(1).leaseId]);
    expect(fake.calls.cancel).toBe(0);
    loop.resume();
    await until(() => store.getState().unitsDone === 3);
    loop.dispose();
  });

  it('abandons the unit in hand on "stop now": the render is cancelled and its lease left to lapse', async () => {
    const fake = fakeWorker();
    fake.hold();
    const { store, loop, calls } = setup([lease(0), lease(1), lease(2)], [], { consent }, fake);
    await loop.probe();
    loop.start();
    await until(() => store.getState().activity === 'rendering');
    loop.pause();
    loop.pause({ abandon: true });
    await until(() => store.getState().status === 'paused');
    expect(fake.calls.cancel).toBe(1);
    expect(calls.submit).toBe(0);
    expect(calls.released).toEqual([lease(1).leaseId]);
    // A new start renders normally again.
    fake.release();
    loop.resume();
    await until(() => store.getState().unitsDone === 1);
    expect(fake.calls.renders).toHaveLength(2);
    expect(calls.submit).toBe(1);
    loop.dispose();
  });

  it('tells the worker the intensity at once and whenever it changes, and measures the new one afresh', async () => {
    const { store, loop, fake } = setup([lease(0)], [], { consent, intensity: 0.25 });
    expect(fake.calls.shares).toEqual([0.25]);
    await loop.probe();
    loop.start();
    await until(() => store.getState().unitsDone === 1);
    expect(store.getState().gpuShare).toBeCloseTo(0.2, 9);
    store.setState({ intensity: 0.75 });
    store.setState({ pauseWhenHidden: true });
    expect(fake.calls.shares).toEqual([0.25, 0.75]);
    expect(store.getState()).toMatchObject({ recentUnits: [], gpuShare: null, samplesPerSecond: null });
    loop.dispose();
  });

  it('gives the worker the time left on the lease, and keeps the rendered tile for the live view', async () => {
    const { store, loop, fake } = setup([lease(0)]);
    await loop.probe();
    loop.start();
    await until(() => store.getState().unitsDone === 1);
    const left = fake.calls.renders[0]?.leaseMsLeft ?? 0;
    expect(left).toBeGreaterThan(55_000);
    expect(left).toBeLessThanOrEqual(60_000);
    const tile = store.getState().lastTile;
    expect(tile).toMatchObject({ jobId: 'job-0123456789', unitId: 0, scattered: false, pixelsRendered: 8 });
    expect(tile?.rgba.length).toBe(4 * 2 * 4);
    expect(tile?.rgba[0]).toBeGreaterThan(0);
    loop.dispose();
  });

  it('takes no work while the tab is hidden if asked to, and carries on once it is visible', async () => {
    const { store, loop, calls } = setup([lease(0), lease(1)], [], { consent, pauseWhenHidden: true });
    await loop.probe();
    store.setState({ pageHidden: true });
    loop.start();
    await until(() => store.getState().activity === 'hidden');
    await new Promise((r) => setTimeout(r, 10));
    expect(calls.lease).toBe(0);
    store.setState({ pageHidden: false });
    await until(() => store.getState().unitsDone === 2);
    // Hidden again mid-run: the loop stops leasing until visible; unticking the option lets it go on.
    store.setState({ pageHidden: true });
    await until(() => store.getState().activity === 'hidden');
    const leased = calls.lease;
    await new Promise((r) => setTimeout(r, 10));
    expect(calls.lease).toBe(leased);
    store.setState({ pauseWhenHidden: false });
    await until(() => calls.lease > leased);
    loop.dispose();
  });

  it('ignores a hidden tab unless asked to pause then', async () => {
    const { store, loop } = setup([lease(0)], [], { consent, pageHidden: true });
    await loop.probe();
    loop.start();
    await until(() => store.getState().unitsDone === 1);
    loop.dispose();
  });

  it('pauses at once while held by a hidden tab', async () => {
    const { store, loop } = setup([lease(0)], [], { consent, pauseWhenHidden: true, pageHidden: true });
    await loop.probe();
    loop.start();
    await until(() => store.getState().activity === 'hidden');
    loop.pause();
    expect(store.getState().status).toBe('paused');
    await until(() => store.getState().activity === null);
    loop.dispose();
  });

  it('reports a GPU that cannot be prepared as unsupported', async () => {
    const fake = fakeWorker();
    fake.worker.probe = async () => ({
      ok: false,
      reason: 'No shader for you',
      nextStep: 'Update the driver',
    });
    const { store, loop, calls } = setup([lease(0)], [], { consent }, fake);
    await loop.probe();
    loop.start();
    await until(() => store.getState().status === 'unsupported');
    expect(store.getState().unsupported).toEqual({
      reason: 'No shader for you',
      nextStep: 'Update the driver',
    });
    expect(calls.lease).toBe(0);
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

  it('keeps a finished render refused with 429 and sends it again after the Retry-After the server gave', async () => {
    const slowDown = new ApiError(
      429,
      'Too many results: slow down',
      ['Try again in 3 s.'],
      'RateLimitedError',
      undefined,
      3000,
    );
    const { store, loop, sleeps, calls } = setup([lease(0)], [slowDown]);
    await loop.probe();
    loop.start();
    await until(() => store.getState().unitsDone === 1);
    // The same rendered data went out twice: nothing was rendered again, nothing was dropped.
    expect(calls.submit).toBe(2);
    expect(calls.submitted[1]).toBe(calls.submitted[0]);
    expect(sleeps[0]).toBe(3000);
    loop.dispose();
  });

  it('spreads its retries (jitter) so that tabs turned away together do not return together', async () => {
    const down = () => new TypeError('Failed to fetch');
    const low = setup([down(), down(), down(), lease(0)], [], { consent }, fakeWorker(), 0);
    await low.loop.probe();
    low.loop.start();
    await until(() => low.store.getState().unitsDone === 1);
    expect(low.sleeps.slice(0, 3)).toEqual([500, 1000, 2000]);
    low.loop.dispose();
  });

  it('waits at least the Retry-After of a refused lease request', async () => {
    const busy = new ApiError(503, 'Busy', [], 'UnavailableError', undefined, 7000);
    const { store, loop, sleeps } = setup([busy, lease(0)]);
    await loop.probe();
    loop.start();
    await until(() => store.getState().unitsDone === 1);
    expect(sleeps[0]).toBe(7000);
    loop.dispose();
  });
});
