/**
 * What this tab has seen of each job's progress, for the ETA and the throughput chart
 * (lib/client/job-progress.ts). A vanilla zustand store (no React here), kept in memory: the jobs pages
 * provide one through context, so the history carries on from the list to a job's page and back; after a
 * reload the coordinator's own samples (`seed`) bring back what came before. Those are on the server's
 * clock, the tab's on its own: a skew of a few seconds between them shifts the chart's start, nothing more.
 */
import { createStore } from 'zustand/vanilla';
import type { JobView } from '../protocol/api-types';
import { addSample, type ProgressSample } from './job-progress';

export interface JobHistoryState {
  /** Observations by job id, oldest first. */
  histories: Record<string, ProgressSample[]>;
  /** Records one view of a job as seen at `at` (now by default); a finished job's history stops growing. */
  record: (job: Pick<JobView, 'id' | 'status' | 'pixelSamplesDone'>, at?: number) => void;
  /**
   * Adds the coordinator's samples of a job's progress (GET /api/jobs/:id/progress) before what this tab
   * saw itself, so that a reload keeps the ETA and chart of the whole run. Server samples at or after the
   * tab's first observation are dropped: the tab's own are finer.
   */
  seed: (jobId: string, samples: readonly ProgressSample[]) => void;
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
    seed: (jobId, samples) => {
      const seen = get().histories[jobId] ?? EMPTY_HISTORY;
      const firstSeen = seen[0]?.at ?? Number.POSITIVE_INFINITY;
      const earlier = samples.filter((s) => s.at < firstSeen);
      if (earlier.length === 0) return;
      let merged: ProgressSample[] = [];
      for (const sample of [...earlier, ...seen]) merged = addSample(merged, sample);
      set((state) => ({ histories: { ...state.histories, [jobId]: merged } }));
    },
  }));
}
