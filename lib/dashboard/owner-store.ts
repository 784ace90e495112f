/**
 * This browser's owner token (lib/work/job-owner.ts): the coordinator answers the first job with it and
 * files later jobs sent with it under the same owner, so one token stands for all of this browser's jobs
 * ('My jobs', cancel, pause, resume, priority, private jobs' images). Kept in localStorage (a zustand
 * persist store): it is shown once, and losing it means losing control of the jobs. Also remembers which
 * job events this browser has already been told about, so a reload does not notify twice.
 */
import { createJSONStorage, persist, type StateStorage } from 'zustand/middleware';
import { createStore } from 'zustand/vanilla';

export interface OwnerState {
  ownerToken: string | null;
  /** The alert last shown per job (lib/dashboard/job-alerts.ts), newest jobs only. */
  alerted: Record<string, string>;
  /** Keeps the token a job creation answered with (the same one, once this browser has one). */
  adopt: (token: string) => void;
  markAlerted: (jobId: string, alert: string) => void;
}

export type OwnerStore = ReturnType<typeof createOwnerStore>;

/** Alerts remembered: the newest this many jobs (insertion order). */
const MAX_ALERTED = 200;

export const OWNER_STORAGE_KEY = 'lumengrid-owner';

export function createOwnerStore(storage: () => StateStorage = () => localStorage) {
  return createStore<OwnerState>()(
    persist(
      (set) => ({
        ownerToken: null,
        alerted: {},
        adopt: (token) => set((state) => (state.ownerToken === token ? state : { ownerToken: token })),
        markAlerted: (jobId, alert) =>
          set((state) => {
            if (state.alerted[jobId] === alert) return state;
            const entries = Object.entries({ ...state.alerted, [jobId]: alert });
            return { alerted: Object.fromEntries(entries.slice(-MAX_ALERTED)) };
          }),
      }),
      {
        name: OWNER_STORAGE_KEY,
        storage: createJSONStorage(storage),
        partialize: (state) => ({ ownerToken: state.ownerToken, alerted: state.alerted }),
      },
    ),
  );
}
