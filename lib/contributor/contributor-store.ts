/**
 * State of one contributor tab: what the GPU is, what the loop is doing and what it has done, and the
 * contributor's choices (consent, intensity, pause when hidden). A vanilla zustand store (no React here);
 * the contribute page provides one per mounted panel through context.
 *
 * The choices persist in localStorage (they belong to the person, not the tab), and nothing else does:
 * the session, its figures and its work are this tab's alone. Hydration is left to the page
 * (`store.persist.rehydrate()` after mount) so a server render and the first client render agree.
 */
import { type PersistStorage, persist, type StorageValue } from 'zustand/middleware';
import { createStore } from 'zustand/vanilla';
import type { AdapterSummary } from '../render/capability';
import { DEFAULT_SHARE, normalizeShare } from './duty-cycle';
import type { TileSnapshot } from './tile-snapshot';

export type ContributorStatus =
  | 'idle' // probed (or not yet), not started
  | 'probing' // looking for a GPU
  | 'running' // leasing, rendering and submitting units
  | 'pausing' // finishing the current unit, then stops
  | 'paused'
  | 'unsupported' // no usable WebGPU here: see unsupported.reason / nextStep
  | 'error'; // the renderer failed repeatedly; Start tries again

/** What a running loop is doing at this moment, for the live figures. */
export type ContributorActivity =
  | 'preparing' // creating the GPU device and compiling the path tracer, once
  | 'leasing'
  | 'rendering'
  | 'submitting'
  | 'waiting'
  | 'backing-off'
  | 'hidden' // the tab is hidden and the contributor asked to pause then
  | null;

/** One rendered unit, kept for the recent speed figures. */
export interface UnitTiming {
  pixelSamples: number;
  /** Wall time of the render, the duty cycle's idle included. */
  renderMs: number;
  /** GPU time of its dispatches. */
  gpuMs: number;
  /** When the render ended (ms, the loop's clock). */
  endedAt: number;
}

/**
 * The person's agreement to let this browser render: when, and to which version of the explanation. A
 * newer CONSENT_VERSION (what runs changed) asks again.
 */
export interface Consent {
  version: number;
  at: number;
}

export const CONSENT_VERSION = 1;

export interface ContributorPreferences {
  consent: Consent | null;
  /** Share of GPU time to use, in [MIN_SHARE, 1] (lib/client/duty-cycle.ts). */
  intensity: number;
  /** Stop taking work while this tab is hidden (Page Visibility API). */
  pauseWhenHidden: boolean;
}

export interface ContributorState extends ContributorPreferences {
  /** False until the stored preferences were read: until then consent is unknown, not missing. */
  preferencesLoaded: boolean;
  /** document.visibilityState === 'hidden', kept current by the page. */
  pageHidden: boolean;
  status: ContributorStatus;
  adapter: AdapterSummary | null;
  unsupported: { reason: string; nextStep: string } | null;
  activity: ContributorActivity;
  /** Units whose results the coordinator accepted. */
  unitsDone: number;
  /** Pixel-samples in accepted units. */
  pixelSamplesDone: number;
  /** Pixel-samples per second of wall time over the recent units (idle included); null before the first. */
  samplesPerSecond: number | null;
  /** Pixel-samples per second of GPU time: what the GPU does flat out. */
  gpuSamplesPerSecond: number | null;
  /** The measured share of wall time the GPU was busy over the recent units; null before the first. */
  gpuShare: number | null;
  recentUnits: UnitTiming[];
  /** The tile this tab rendered last, for the live view. */
  lastTile: TileSnapshot | null;
  lastError: string | null;
  /** When lastError happened (ms since epoch). */
  lastErrorAt: number | null;
  /** While backing off after a network failure: the wait before the next try, in ms. */
  backoffMs: number | null;
  /** A short description of the unit in hand, e.g. "job 3f2a9c1e · unit 17 · 32×32 at (64, 0) · samples 16–32". */
  currentUnit: string | null;
}

/** At most this many units in the recent speed figures… */
export const SPEED_WINDOW = 5;
/** …that ended at most this long before the newest one, in ms. */
export const SPEED_WINDOW_MS = 60_000;

export const STORAGE_KEY = 'lumengrid.contributor';

export const defaultPreferences: ContributorPreferences = {
  consent: null,
  intensity: DEFAULT_SHARE,
  pauseWhenHidden: false,
};

export const initialContributorState: ContributorState = {
  ...defaultPreferences,
  preferencesLoaded: false,
  pageHidden: false,
  status: 'idle',
  adapter: null,
  unsupported: null,
  activity: null,
  unitsDone: 0,
  pixelSamplesDone: 0,
  samplesPerSecond: null,
  gpuSamplesPerSecond: null,
  gpuShare: null,
  recentUnits: [],
  lastTile: null,
  lastError: null,
  lastErrorAt: null,
  backoffMs: null,
  currentUnit: null,
};

/** Stored preferences as far as they make sense; anything else is the default (a hand-edited or old entry). */
export function readPreferences(stored: unknown): ContributorPreferences {
  const s = (typeof stored === 'object' && stored !== null ? stored : {}) as Record<string, unknown>;
  const c = s.consent as Record<string, unknown> | null | undefined;
  const consent =
    c && c.version === CONSENT_VERSION && typeof c.at === 'number' && Number.isFinite(c.at)
      ? { version: CONSENT_VERSION, at: c.at }
      : null;
  return {
    consent,
    intensity: s.intensity === undefined ? DEFAULT_SHARE : normalizeShare(s.intensity),
    pauseWhenHidden: s.pauseWhenHidden === true,
  };
}

/** Synchronous key-value storage: localStorage, or a Map in tests. */
export type PreferenceBacking = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** A Map behind the Storage interface: where localStorage is missing or refuses (tests, some private modes). */
export function memoryStorage(): PreferenceBacking {
  const items = new Map<string, string>();
  return {
    getItem: (name) => items.get(name) ?? null,
    setItem: (name, value) => void items.set(name, value),
    removeItem: (name) => void items.delete(name),
  };
}

function browserStorage(): PreferenceBacking {
  try {
    const probe = `${STORAGE_KEY}.probe`;
    localStorage.setItem(probe, '1');
    localStorage.removeItem(probe);
    return localStorage;
  } catch {
    return memoryStorage();
  }
}

/**
 * JSON over `backing` that writes only what this tab changed. zustand's persist writes on every state
 * change; a tab busy rendering would then keep writing its old choices back over a consent withdrawn in
 * another tab. So nothing is written before the stored entry was read, nor when the entry would not change.
 */
function preferenceStorage(backing: PreferenceBacking): PersistStorage<ContributorPreferences> {
  /** The entry as last read or written here; undefined until read. */
  let known: string | null | undefined;
  return {
    getItem(name) {
      try {
        known = backing.getItem(name);
      } catch {
        known = null;
      }
      if (known === null) return null;
      try {
        return JSON.parse(known) as StorageValue<ContributorPreferences>;
      } catch {
        return null;
      }
    },
    setItem(name, value) {
      if (known === undefined) return;
      const raw = JSON.stringify(value);
      if (raw === known) return;
      known = raw;
      try {
        backing.setItem(name, raw);
      } catch {
        // Storage full or refused: the choice holds for this page.
      }
    },
    removeItem(name) {
      known = null;
      backing.removeItem(name);
    },
  };
}

export interface ContributorStoreOptions {
  /** Where the preferences live; localStorage by default (a Map where it cannot be used, or on a server). */
  storage?: PreferenceBacking;
}

export function createContributorStore(
  init: Partial<ContributorState> = {},
  options: ContributorStoreOptions = {},
) {
  return createStore<ContributorState>()(
    persist(() => ({ ...initialContributorState, ...init }), {
      name: STORAGE_KEY,
      version: 1,
      storage: preferenceStorage(options.storage ?? browserStorage()),
      partialize: (s): ContributorPreferences => ({
        consent: s.consent,
        intensity: s.intensity,
        pauseWhenHidden: s.pauseWhenHidden,
      }),
      merge: (stored, current) => ({ ...current, ...readPreferences(stored), preferencesLoaded: true }),
      skipHydration: true,
    }),
  );
}

export type ContributorStore = ReturnType<typeof createContributorStore>;

/** Adds a rendered unit to the recent window and returns the speed fields that change. */
export function withUnitTiming(
  state: Pick<ContributorState, 'recentUnits'>,
  timing: UnitTiming,
): Pick<ContributorState, 'recentUnits' | 'samplesPerSecond' | 'gpuSamplesPerSecond' | 'gpuShare'> {
  const recentUnits = [...state.recentUnits, timing]
    .filter((u) => u.endedAt > timing.endedAt - SPEED_WINDOW_MS)
    .slice(-SPEED_WINDOW);
  const sum = (f: (u: UnitTiming) => number) => recentUnits.reduce((total, u) => total + f(u), 0);
  const samples = sum((u) => u.pixelSamples);
  const renderMs = sum((u) => u.renderMs);
  const gpuMs = sum((u) => u.gpuMs);
  // The share of wall time the GPU was busy, from the first unit's start to the last one's end: the gaps
  // between units (leasing, uploading) count as idle, as they are.
  const first = recentUnits[0] as UnitTiming;
  const span = timing.endedAt - (first.endedAt - first.renderMs);
  return {
    recentUnits,
    samplesPerSecond: renderMs > 0 ? (samples * 1000) / renderMs : null,
    gpuSamplesPerSecond: gpuMs > 0 ? (samples * 1000) / gpuMs : null,
    gpuShare: span > 0 ? Math.min(1, gpuMs / span) : null,
  };
}
