/**
 * The contributor's work loop: lease a unit, render it in the worker, submit the result, repeat. No React
 * here: the page wires a store and a worker. While a unit renders, the next one is already being leased,
 * and a finished unit's result travels while the next one renders (one of each at most), so a fast GPU
 * never waits on a round trip (docs/design.md, "Work").
 *
 * - Nothing renders before the person agreed (`consent` in the store): start() refuses, and withdrawing
 *   consent stops the unit in hand at once.
 * - Pausing finishes the unit in hand and then stops leasing; pause({ abandon: true }) stops it at the next
 *   dispatch instead, and the unit's lease lapses on the coordinator, which hands it to someone else. A unit
 *   leased ahead is given back (DELETE /api/work/leases/:id) rather than left to lapse.
 * - The intensity (the share of GPU time) is passed to the worker, which idles between dispatches; the
 *   unit's lease deadline goes with each render so that idling never makes a unit miss it.
 * - With `pauseWhenHidden`, a hidden tab takes no new work until it is visible again.
 */

import type { Probe, RenderOutcome } from '../../workers/render-worker-api';
import { ApiError, isAbortError, leaseWork, releaseLease, submitResult } from '../client/api';
import type { Lease, SubmitReceipt } from '../protocol/api-types';
import type { RenderTask } from '../protocol/render-task';
import { concatResults, leaseTasks, taskPixelCount } from '../protocol/result-layout';
import type { ContributorState, ContributorStore } from './contributor-store';
import { withUnitTiming } from './contributor-store';
import { tileSnapshot } from './tile-snapshot';

/** The part of the render worker's API the loop uses (a comlink proxy of RenderWorkerApi fits). */
export interface LoopWorker {
  /** The adapter and its limits, with no device and nothing compiled. */
  inspect(): Promise<Probe>;
  /** Creates the device and compiles the path tracer. */
  probe(): Promise<Probe>;
  render(task: RenderTask, onProgress?: undefined, pacing?: { leaseMsLeft?: number }): Promise<RenderOutcome>;
  setShare(share: number): unknown;
  cancel(): unknown;
}

export interface LoopApi {
  leaseWork: typeof leaseWork;
  submitResult: typeof submitResult;
  /** Gives back a lease taken ahead when the loop stops; without it such a lease lapses on its own. */
  releaseLease?: typeof releaseLease;
}

export interface ContributorLoopOptions {
  /** This tab's contributor id (lib/contributor/session.ts). */
  sessionId: string;
  /** The coordinator's API; tests pass fakes. */
  api?: LoopApi;
  /** Wait before asking again when the coordinator has no work. */
  idleRetryMs?: number;
  /**
   * With a larger value, each empty answer in a row doubles the wait up to this (a lease resets it): for a
   * provider that is idle most of the time, such as the trusted verifier. Defaults to idleRetryMs (no growth).
   */
  maxIdleRetryMs?: number;
  /** The operator's verifier token (LUMENGRID_VERIFIER_TOKEN): sent with every lease request. */
  verifierToken?: string;
  /** First wait after a network failure; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Render failures in a row after which the loop stops with status 'error'. */
  maxRenderFailures?: number;
  /** Monotonic clock in ms, for render timing. */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Uniform in [0, 1), for spreading retries (jitter); tests pass a constant. */
  random?: () => number;
}

export interface ContributorLoop {
  /** Looks at the GPU without using it: status 'probing', then 'idle' or 'unsupported'. */
  probe(): Promise<void>;
  /** Starts (or restarts after an error) leasing units; does nothing without consent. */
  start(): void;
  /**
   * Finishes the current unit ('pausing'), then stops leasing ('paused'). With `abandon` the unit in hand
   * is dropped at the worker's next dispatch instead (its lease lapses and the unit goes to someone else).
   */
  pause(options?: { abandon?: boolean }): void;
  resume(): void;
  /** Stops for good: aborts requests in flight and leaves the store as it is. */
  dispose(): void;
}

export function describeUnit(lease: Lease): string {
  const { region, pixels, sampleStart, sampleEnd } = lease.task;
  const list = pixels ? ` · ${pixels.length} pixels` : '';
  const checks = lease.checks?.length ? ` · and ${lease.checks.length} spot checks` : '';
  return `job ${lease.jobId.slice(0, 8)} · unit ${lease.unitId} · tile ${region.width}×${region.height} at (${region.x}, ${region.y})${list} · samples ${sampleStart}–${sampleEnd}${checks}`;
}

/** Pixel-samples a lease renders: a pixel-list task renders only its list (lib/protocol/result-layout.ts). */
function pixelSamplesOf(lease: Lease): number {
  return leaseTasks(lease).reduce((sum, t) => sum + taskPixelCount(t) * (t.sampleEnd - t.sampleStart), 0);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Network failures, server faults and "slow down" (429, 408) are worth retrying; another 4xx answer is not.
 * A finished render refused with 429 is kept and sent again: the work is done, only its delivery waits.
 */
function isTransient(error: unknown): boolean {
  return !(error instanceof ApiError) || error.status >= 500 || error.status === 429 || error.status === 408;
}

/** The tab is hidden and the contributor asked not to work then. */
export function heldByVisibility(state: Pick<ContributorState, 'pauseWhenHidden' | 'pageHidden'>): boolean {
  return state.pauseWhenHidden && state.pageHidden;
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
  const api = options.api ?? { leaseWork, submitResult, releaseLease };
  const idleRetryMs = options.idleRetryMs ?? 1000;
  const maxIdleRetryMs = Math.max(idleRetryMs, options.maxIdleRetryMs ?? idleRetryMs);
  const { verifierToken } = options;
  const initialBackoffMs = options.initialBackoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const maxRenderFailures = options.maxRenderFailures ?? 3;
  const now = options.now ?? (() => performance.now());
  const sleepFor = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  /** Aborted on dispose: cancels fetches in flight. */
  const lifetime = new AbortController();
  /** Aborted to cut the current wait short (pause, dispose). */
  let nap = new AbortController();
  /** True while run() is looping; at most one loop at a time. */
  let active = false;
  /** True from the moment a lease is asked for until its result is submitted or dropped. */
  let holdingUnit = false;
  /** Set by pause({ abandon }) until the next start: the unit in hand is dropped, not finished. */
  let abandoning = false;
  /** The worker has a device and a compiled path tracer. */
  let prepared = false;
  let disposed = false;

  const { getState, setState } = store;
  const status = () => getState().status;

  // The worker follows the intensity, and a withdrawn consent stops the work at once.
  void worker.setShare(getState().intensity);
  const unsubscribe = store.subscribe((state, previous) => {
    if (state.intensity !== previous.intensity) {
      void worker.setShare(state.intensity);
      // The recent figures describe the old setting: start measuring the new one afresh.
      setState({ recentUnits: [], samplesPerSecond: null, gpuSamplesPerSecond: null, gpuShare: null });
    }
    if (!state.consent && previous.consent && (state.status === 'running' || state.status === 'pausing')) {
      pause({ abandon: true });
    }
  });

  function fail(message: string) {
    setState({ lastError: message, lastErrorAt: Date.now() });
  }

  async function sleep(ms: number) {
    nap = new AbortController();
    await sleepFor(ms, nap.signal);
  }

  /** Ends every until() at dispose. */
  const waits = new Set<() => void>();

  /** Resolves once `predicate` holds for the store (checked on every change), or at dispose. */
  function until(predicate: (state: ContributorState) => boolean): Promise<void> {
    return new Promise((resolve) => {
      if (predicate(getState())) return resolve();
      const done = () => {
        stop();
        waits.delete(done);
        resolve();
      };
      const stop = store.subscribe((state) => {
        if (predicate(state)) done();
      });
      waits.add(done);
    });
  }

  function nextBackoff(previous: number): number {
    return previous === 0 ? initialBackoffMs : Math.min(previous * 2, maxBackoffMs);
  }

  /**
   * How long to wait after `error` with the backoff at `backoff`: somewhere in its upper half (jitter, so
   * that the many tabs a coordinator turned away at once do not all come back in the same instant), and
   * never sooner than the server's Retry-After.
   */
  function retryWait(error: unknown, backoff: number): number {
    const jittered = Math.round(backoff * (0.5 + 0.5 * random()));
    const asked = error instanceof ApiError ? (error.retryAfterMs ?? 0) : 0;
    return Math.max(jittered, asked);
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
        backoff = nextBackoff(backoff);
        const wait = retryWait(error, backoff);
        if (Date.now() + wait > lease.expiresAt) {
          fail(`Could not submit ${describeUnit(lease)} before its lease expired: ${messageOf(error)}`);
          return null;
        }
        fail(`Could not submit the result (${messageOf(error)}); retrying in ${wait / 1000} s`);
        setState({ activity: 'backing-off', backoffMs: wait });
        await sleep(wait);
        setState({ activity: 'submitting', backoffMs: null });
      }
    }
  }

  /** Creates the device and compiles the path tracer before the first lease; false when it cannot. */
  async function prepare(): Promise<boolean> {
    if (prepared) return true;
    setState({ activity: 'preparing' });
    let probe: Probe;
    try {
      probe = await worker.probe();
    } catch (error) {
      probe = {
        ok: false,
        reason: `The render worker failed: ${messageOf(error)}`,
        nextStep: 'Reload the page.',
      };
    }
    if (disposed) return false;
    if (!probe.ok) {
      setState({ status: 'unsupported', unsupported: { reason: probe.reason, nextStep: probe.nextStep } });
      return false;
    }
    prepared = true;
    setState({ adapter: probe.adapter, activity: null });
    return true;
  }

  /** The answer to a lease request, kept whole so that a lease taken ahead can be looked at later. */
  type LeaseAttempt = { lease: Lease | null } | { error: unknown };

  function askForLease(): Promise<LeaseAttempt> {
    return api
      .leaseWork(sessionId, {
        signal: lifetime.signal,
        adapter: getState().adapter ?? undefined,
        ...(verifierToken ? { verifierToken } : {}),
      })
      .then(
        (lease) => ({ lease }),
        (error: unknown) => ({ error }),
      );
  }

  /**
   * The next lease, asked for while the current unit renders (no idle round trip between units), and the
   * previous unit's submission, still on its way. At most one of each: in-flight work stays bounded.
   */
  let ahead: Promise<LeaseAttempt> | null = null;
  let submitting: Promise<void> | null = null;

  /** Gives a lease back to the coordinator (best effort: unanswered, it lapses there on its own). */
  function giveBack(lease: Lease) {
    void api.releaseLease?.(lease, sessionId, { signal: lifetime.signal }).catch(() => {});
  }

  /** Lets the submission in flight land, and gives back a lease taken ahead: the loop is about to stop. */
  async function settle(): Promise<void> {
    const pending = ahead;
    ahead = null;
    if (pending) {
      const attempt = await pending;
      if ('lease' in attempt && attempt.lease) giveBack(attempt.lease);
    }
    if (submitting) await submitting;
  }

  /**
   * Renders every task of a lease in turn (its own, then its batched checks') into one result, in the order
   * the coordinator reads it (lib/protocol/result-layout.ts leaseTasks).
   */
  async function renderLease(
    lease: Lease,
  ): Promise<
    | { ok: true; data: Float32Array<ArrayBuffer>; taskLength: number; gpuMs: number }
    | Exclude<RenderOutcome, { ok: true }>
  > {
    const parts: Float32Array<ArrayBuffer>[] = [];
    let gpuMs = 0;
    for (const task of leaseTasks(lease)) {
      let outcome: RenderOutcome;
      try {
        // The time left on the lease, so the worker's idling never makes the unit late.
        outcome = await worker.render(task, undefined, { leaseMsLeft: lease.expiresAt - Date.now() });
      } catch (error) {
        outcome = { ok: false, error: `the render worker stopped: ${messageOf(error)}` };
      }
      if (!outcome.ok) return outcome;
      parts.push(outcome.data);
      gpuMs += outcome.gpuMs;
    }
    const first = parts[0] as Float32Array<ArrayBuffer>;
    const data = parts.length === 1 ? first : concatResults(parts);
    return { ok: true, data, taskLength: first.length, gpuMs };
  }

  /** Leases (or takes the lease asked for ahead), renders and submits one unit; false when the loop should stop. */
  async function step(state: { backoff: number; failures: number; idle: number }): Promise<boolean> {
    holdingUnit = true;
    const pending = ahead;
    ahead = null;
    if (!pending) setState({ activity: 'leasing' });
    const attempt = await (pending ?? askForLease());
    if ('error' in attempt) {
      const { error } = attempt;
      holdingUnit = false;
      if (disposed || isAbortError(error)) return false;
      state.backoff = nextBackoff(state.backoff);
      const wait = retryWait(error, state.backoff);
      const what =
        error instanceof ApiError ? 'The coordinator refused to lease work' : 'Cannot reach the coordinator';
      fail(`${what} (${messageOf(error)}); retrying in ${wait / 1000} s`);
      setState({ activity: 'backing-off', backoffMs: wait, currentUnit: null });
      if (status() === 'running') await sleep(wait);
      setState({ backoffMs: null });
      return true;
    }
    state.backoff = 0;
    const lease = attempt.lease;
    if (!lease) {
      holdingUnit = false;
      setState({ activity: 'waiting', currentUnit: null });
      state.idle = state.idle === 0 ? idleRetryMs : Math.min(state.idle * 2, maxIdleRetryMs);
      if (status() === 'running') await sleep(state.idle);
      return true;
    }
    state.idle = 0;
    if (abandoning || status() !== 'running') {
      // Stopped while the lease was on its way: give it back rather than render it.
      holdingUnit = false;
      giveBack(lease);
      return true;
    }
    if (Date.now() >= lease.expiresAt) {
      // A lease taken ahead that lapsed while the previous unit rendered: it is someone else's now.
      holdingUnit = false;
      return true;
    }
    // The next unit is asked for now, while this one renders.
    ahead = askForLease();

    const unit = describeUnit(lease);
    setState({ activity: 'rendering', currentUnit: unit });
    const began = now();
    const outcome = await renderLease(lease);
    const ended = now();
    if (disposed) return false;
    if (!outcome.ok) {
      holdingUnit = false;
      if (outcome.cancelled) {
        setState({ currentUnit: null });
        return true;
      }
      giveBack(lease);
      state.failures++;
      fail(`Rendering ${unit} failed: ${outcome.error}`);
      if (state.failures >= maxRenderFailures) {
        setState({ status: 'error', activity: null, currentUnit: null });
        return false;
      }
      return true;
    }
    state.failures = 0;
    const pixelSamples = pixelSamplesOf(lease);
    const timing = { pixelSamples, renderMs: ended - began, gpuMs: outcome.gpuMs, endedAt: ended };
    const lastTile = tileSnapshot(lease, outcome.data.subarray(0, outcome.taskLength));
    setState((s) => ({ ...withUnitTiming(s, timing), lastTile, activity: 'submitting' }));

    // One submission in flight: the previous one lands before this one is sent; the next unit renders
    // while this one travels.
    if (submitting) await submitting;
    const data = outcome.data;
    const sent: Promise<void> = submit(lease, data).then((receipt) => {
      if (submitting === sent) submitting = null;
      if (receipt) {
        // A duplicate receipt means an earlier attempt of this same submission got through unseen: count it.
        setState((s) => ({
          unitsDone: s.unitsDone + 1,
          pixelSamplesDone: s.pixelSamplesDone + pixelSamples,
        }));
      }
    });
    submitting = sent;
    holdingUnit = false;
    return !disposed;
  }

  async function run() {
    active = true;
    const state = { backoff: 0, failures: 0, idle: 0 };
    try {
      if (!(await prepare())) return;
      while (!disposed) {
        const current = status();
        if (current !== 'running') {
          await settle();
          if (status() === 'pausing') setState({ status: 'paused' });
          break;
        }
        if (heldByVisibility(getState())) {
          await settle();
          setState({ activity: 'hidden', currentUnit: null });
          await until((s) => s.status !== 'running' || !heldByVisibility(s));
          continue;
        }
        if (!(await step(state))) break;
      }
    } finally {
      if (!disposed) await settle();
      active = false;
      holdingUnit = false;
      submitting = null;
      if (!disposed) setState({ activity: null, currentUnit: null, backoffMs: null });
    }
  }

  async function probe() {
    if (disposed) return;
    setState({ status: 'probing' });
    let probe: Probe;
    try {
      probe = await worker.inspect();
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
    // Nothing runs on this GPU until the person agreed to it.
    if (!getState().consent) return;
    if (current === 'error') setState({ lastError: null, lastErrorAt: null });
    abandoning = false;
    setState({ status: 'running' });
    if (!active) void run();
  }

  function pause(pauseOptions: { abandon?: boolean } = {}) {
    const current = status();
    if (current !== 'running' && !(current === 'pausing' && pauseOptions.abandon)) return;
    if (pauseOptions.abandon) {
      abandoning = true;
      // Only the render can be stopped part way; a result already rendered is still sent.
      if (getState().activity === 'rendering') void worker.cancel();
    }
    // With no unit in hand there is nothing to finish: stop at once.
    setState({ status: active && (holdingUnit || submitting !== null) ? 'pausing' : 'paused' });
    nap.abort();
  }

  function resume() {
    const current = status();
    if (current === 'paused' || current === 'pausing') start();
  }

  function dispose() {
    disposed = true;
    unsubscribe();
    for (const done of [...waits]) done();
    lifetime.abort();
    nap.abort();
  }

  return { probe, start, pause, resume, dispose };
}
