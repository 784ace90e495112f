/**
 * The contributor's work loop: lease a unit, render it in the worker, submit the result, repeat. Pausing
 * finishes the unit in hand and then stops leasing. No React here: the page wires a store and a worker.
 */

import type { Probe, RenderOutcome } from '../../workers/render-worker-api';
import type { Lease, SubmitReceipt } from '../core/api-types';
import type { RenderTask } from '../core/render-task';
import { taskPixelCount } from '../core/result-layout';
import { ApiError, isAbortError, leaseWork, submitResult } from './api';
import type { ContributorStore } from './contributor-store';
import { withUnitTiming } from './contributor-store';

/** The part of the render worker's API the loop uses (a comlink proxy of RenderWorkerApi fits). */
export interface LoopWorker {
  probe(): Promise<Probe>;
  render(task: RenderTask): Promise<RenderOutcome>;
}

export interface LoopApi {
  leaseWork: typeof leaseWork;
  submitResult: typeof submitResult;
}

export interface ContributorLoopOptions {
  /** This tab's contributor id (lib/client/session.ts). */
  sessionId: string;
  /** The coordinator's API; tests pass fakes. */
  api?: LoopApi;
  /** Wait before asking again when the coordinator has no work. */
  idleRetryMs?: number;
  /** First wait after a network failure; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Render failures in a row after which the loop stops with status 'error'. */
  maxRenderFailures?: number;
  /** Monotonic clock in ms, for render timing. */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface ContributorLoop {
  /** Asks the worker for a GPU: status 'probing', then 'idle' or 'unsupported'. */
  probe(): Promise<void>;
  /** Starts (or restarts after an error) leasing units. */
  start(): void;
  /** Finishes the current unit ('pausing'), then stops leasing ('paused'). */
  pause(): void;
  resume(): void;
  /** Stops for good: aborts requests in flight and leaves the store as it is. */
  dispose(): void;
}

export function describeUnit(lease: Lease): string {
  const { region, pixels, sampleStart, sampleEnd } = lease.task;
  const list = pixels ? ` · ${pixels.length} pixels` : '';
  return `job ${lease.jobId.slice(0, 8)} · unit ${lease.unitId} · tile ${region.width}×${region.height} at (${region.x}, ${region.y})${list} · samples ${sampleStart}–${sampleEnd}`;
}

/** Pixel-samples a task renders: a pixel-list task renders only its list (lib/core/result-layout.ts). */
function pixelSamplesOf(task: RenderTask): number {
  return taskPixelCount(task) * (task.sampleEnd - task.sampleStart);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Network failures and server faults are worth retrying; a 4xx answer is not. */
function isTransient(error: unknown): boolean {
  return !(error instanceof ApiError) || error.status >= 500;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    }
  });
}

export function createContributorLoop(
  store: ContributorStore,
  worker: LoopWorker,
  options: ContributorLoopOptions,
): ContributorLoop {
  const { sessionId } = options;
  const api = options.api ?? { leaseWork, submitResult };
  const idleRetryMs = options.idleRetryMs ?? 1000;
  const initialBackoffMs = options.initialBackoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const maxRenderFailures = options.maxRenderFailures ?? 3;
  const now = options.now ?? (() => performance.now());
  const sleepFor = options.sleep ?? defaultSleep;

  /** Aborted on dispose: cancels fetches in flight. */
  const lifetime = new AbortController();
  /** Aborted to cut the current wait short (pause, dispose). */
  let nap = new AbortController();
  /** True while run() is looping; at most one loop at a time. */
  let active = false;
  /** True from the moment a lease is asked for until its result is submitted or dropped. */
  let holdingUnit = false;
  let disposed = false;

  const { getState, setState } = store;
  const status = () => getState().status;

  function fail(message: string) {
    setState({ lastError: message, lastErrorAt: Date.now() });
  }

  async function sleep(ms: number) {
    nap = new AbortController();
    await sleepFor(ms, nap.signal);
  }

  function nextBackoff(previous: number): number {
    return previous === 0 ? initialBackoffMs : Math.min(previous * 2, maxBackoffMs);
  }

  async function submit(lease: Lease, data: Float32Array<ArrayBuffer>): Promise<SubmitReceipt | null> {
    let backoff = 0;
    for (;;) {
      try {
        return await api.submitResult(lease, sessionId, data, { signal: lifetime.signal });
      } catch (error) {
        if (disposed || isAbortError(error)) return null;
        if (!isTransient(error)) {
          fail(`The result of ${describeUnit(lease)} was refused: ${messageOf(error)}`);
          return null;
        }
        if (Date.now() > lease.expiresAt) {
          fail(`Could not submit ${describeUnit(lease)} before its lease expired: ${messageOf(error)}`);
          return null;
        }
        backoff = nextBackoff(backoff);
        fail(`Could not submit the result (${messageOf(error)}); retrying in ${backoff / 1000} s`);
        setState({ activity: 'backing-off', backoffMs: backoff });
        await sleep(backoff);
        setState({ activity: 'submitting', backoffMs: null });
      }
    }
  }

  /** Leases, renders and submits one unit; answers false when the loop should stop. */
  async function step(state: { backoff: number; failures: number }): Promise<boolean> {
    setState({ activity: 'leasing' });
    holdingUnit = true;
    let lease: Lease | null;
    try {
      lease = await api.leaseWork(sessionId, {
        signal: lifetime.signal,
        adapter: getState().adapter ?? undefined,
      });
      state.backoff = 0;
    } catch (error) {
      holdingUnit = false;
      if (disposed || isAbortError(error)) return false;
      state.backoff = nextBackoff(state.backoff);
      const what =
        error instanceof ApiError ? 'The coordinator refused to lease work' : 'Cannot reach the coordinator';
      fail(`${what} (${messageOf(error)}); retrying in ${state.backoff / 1000} s`);
      setState({ activity: 'backing-off', backoffMs: state.backoff, currentUnit: null });
      if (status() === 'running') await sleep(state.backoff);
      setState({ backoffMs: null });
      return true;
    }
    if (!lease) {
      holdingUnit = false;
      setState({ activity: 'waiting', currentUnit: null });
      if (status() === 'running') await sleep(idleRetryMs);
      return true;
    }

    const unit = describeUnit(lease);
    setState({ activity: 'rendering', currentUnit: unit });
    const began = now();
    let outcome: RenderOutcome;
    try {
      outcome = await worker.render(lease.task);
    } catch (error) {
      outcome = { ok: false, error: `the render worker stopped: ${messageOf(error)}` };
    }
    const renderMs = now() - began;
    if (disposed) return false;
    if (!outcome.ok) {
      holdingUnit = false;
      state.failures++;
      fail(`Rendering ${unit} failed: ${outcome.error}`);
      if (state.failures >= maxRenderFailures) {
        setState({ status: 'error', activity: null, currentUnit: null });
        return false;
      }
      return true;
    }
    state.failures = 0;
    const pixelSamples = pixelSamplesOf(lease.task);
    setState((s) => ({ ...withUnitTiming(s, { pixelSamples, renderMs }), activity: 'submitting' }));

    const receipt = await submit(lease, outcome.data);
    holdingUnit = false;
    if (receipt) {
      // A duplicate receipt means an earlier attempt of this same submission got through unseen: count it.
      setState((s) => ({ unitsDone: s.unitsDone + 1, pixelSamplesDone: s.pixelSamplesDone + pixelSamples }));
    }
    return !disposed;
  }

  async function run() {
    active = true;
    const state = { backoff: 0, failures: 0 };
    try {
      while (!disposed) {
        const current = status();
        if (current !== 'running') {
          if (current === 'pausing') setState({ status: 'paused' });
          break;
        }
        if (!(await step(state))) break;
      }
    } finally {
      active = false;
      holdingUnit = false;
      if (!disposed) setState({ activity: null, currentUnit: null, backoffMs: null });
    }
  }

  async function probe() {
    if (disposed) return;
    setState({ status: 'probing' });
    let probe: Probe;
    try {
      probe = await worker.probe();
    } catch (error) {
      if (disposed) return;
      setState({ status: 'error' });
      fail(`The render worker failed to start: ${messageOf(error)}`);
      return;
    }
    if (disposed) return;
    if (probe.ok) setState({ status: 'idle', adapter: probe.adapter, unsupported: null });
    else setState({ status: 'unsupported', unsupported: { reason: probe.reason, nextStep: probe.nextStep } });
  }

  function start() {
    const current = status();
    if (disposed || current === 'running' || current === 'probing' || current === 'unsupported') return;
    if (current === 'error') setState({ lastError: null, lastErrorAt: null });
    setState({ status: 'running' });
    if (!active) void run();
  }

  function pause() {
    if (status() !== 'running') return;
    // With no unit in hand there is nothing to finish: stop at once.
    setState({ status: active && holdingUnit ? 'pausing' : 'paused' });
    nap.abort();
  }

  function resume() {
    const current = status();
    if (current === 'paused' || current === 'pausing') start();
  }

  function dispose() {
    disposed = true;
    lifetime.abort();
    nap.abort();
  }

  return { probe, start, pause, resume, dispose };
}
