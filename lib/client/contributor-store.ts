/**
 * State of one contributor tab: what the GPU is, what the loop is doing and what it has done. A vanilla
 * zustand store (no React here); the contribute page provides one per mounted panel through context.
 */
import { createStore } from 'zustand/vanilla';
import type { AdapterSummary } from '../render/capability';

export type ContributorStatus =
  | 'idle' // probed (or not yet), not started
  | 'probing' // looking for a GPU and compiling the path tracer
  | 'running' // leasing, rendering and submitting units
  | 'pausing' // finishing the current unit, then stops
  | 'paused'
  | 'unsupported' // no usable WebGPU here: see unsupported.reason / nextStep
  | 'error'; // the renderer failed repeatedly; Start tries again

/** What a running loop is doing at this moment, for the live figures. */
export type ContributorActivity = 'leasing' | 'rendering' | 'submitting' | 'waiting' | 'backing-off' | null;

/** One rendered unit, kept for the moving average of the rendering speed. */
export interface UnitTiming {
  pixelSamples: number;
  renderMs: number;
}

export interface ContributorState {
  status: ContributorStatus;
  adapter: AdapterSummary | null;
  unsupported: { reason: string; nextStep: string } | null;
  activity: ContributorActivity;
  /** Units whose results the coordinator accepted. */
  unitsDone: number;
  /** Pixel-samples in accepted units. */
  pixelSamplesDone: number;
  /** Pixel-samples per second of render time, averaged over the last few units; null before the first. */
  samplesPerSecond: number | null;
  recentUnits: UnitTiming[];
  lastError: string | null;
  /** When lastError happened (ms since epoch). */
  lastErrorAt: number | null;
  /** While backing off after a network failure: the wait before the next try, in ms. */
  backoffMs: number | null;
  /** A short description of the unit in hand, e.g. "job 3f2a9c1e · unit 17 · 32×32 at (64, 0) · samples 16–32". */
  currentUnit: string | null;
}

/** Units in the moving average of samplesPerSecond. */
export const SPEED_WINDOW = 5;

export const initialContributorState: ContributorState = {
  status: 'idle',
  adapter: null,
  unsupported: null,
  activity: null,
  unitsDone: 0,
  pixelSamplesDone: 0,
  samplesPerSecond: null,
  recentUnits: [],
  lastError: null,
  lastErrorAt: null,
  backoffMs: null,
  currentUnit: null,
};

export function createContributorStore(init: Partial<ContributorState> = {}) {
  return createStore<ContributorState>()(() => ({ ...initialContributorState, ...init }));
}

export type ContributorStore = ReturnType<typeof createContributorStore>;

/** Adds a rendered unit to the moving window and returns the state fields that change. */
export function withUnitTiming(
  state: Pick<ContributorState, 'recentUnits'>,
  timing: UnitTiming,
): Pick<ContributorState, 'recentUnits' | 'samplesPerSecond'> {
  const recentUnits = [...state.recentUnits, timing].slice(-SPEED_WINDOW);
  const samples = recentUnits.reduce((sum, u) => sum + u.pixelSamples, 0);
  const ms = recentUnits.reduce((sum, u) => sum + u.renderMs, 0);
  return { recentUnits, samplesPerSecond: ms > 0 ? (samples * 1000) / ms : null };
}
