/**
 * What this tab has seen of each job's progress, for the ETA and the throughput chart
 * (lib/client/job-progress.ts). A vanilla zustand store (no React here), kept in memory only: the jobs
 * pages provide one through context, so the history carries on from the list to a job's page and back.
 */
import { createStore } from 'zustand/vanilla';
import type { JobView } from '../protocol/api-types';
import { addSample, type ProgressSample } from './job-progress';

export interface JobHistoryState {
  /** Observations by job id, oldest first. */
  histories: Record<string, ProgressSample[]>;
  /** Records one view of a job as seen at `at` (now by default); a finished job's history stops growing. */
  record: (job: Pick<JobView, 'id' | 'status' | 'pixelSamplesDone'>, at?: number) => void;
}

export type JobHistoryStore = ReturnType<typeof createJobHistoryStore>;

export const EMPTY_HISTORY: readonly ProgressSample[] = Object.freeze([]);

export function createJobHistoryStore(now: () => number = Date.now) {
  return createStore<JobHistoryState>()((set, get) => ({
    histories: {},
    record: (job, at = now()) => {
      const before = get().histories[job.id] ?? EMPTY_HISTORY;
      const last = before.at(-1);
      if (job.status === 'done' && last && last.pixelSamplesDone === job.pixelSamplesDone) return;
      const after = addSample(before, { at, pixelSamplesDone: job.pixelSamplesDone });
      if (after === before) return;
      set((state) => ({ histories: { ...state.histories, [job.id]: after } }));
    },
  }));
}
