'use client';

import { createContext, type ReactNode, useContext, useState } from 'react';
import { useStore } from 'zustand';
import {
  createJobHistoryStore,
  EMPTY_HISTORY,
  type JobHistoryState,
  type JobHistoryStore,
} from '../../lib/dashboard/job-history-store';
import type { ProgressSample } from '../../lib/dashboard/job-progress';

const JobHistoryContext = createContext<JobHistoryStore | null>(null);

/**
 * One store of observed progress for the jobs pages (app/jobs/layout.tsx), made per mounted provider so
 * that a server render shares nothing; it lives as long as the person stays among the jobs pages.
 */
export function JobHistoryProvider({ children }: { children: ReactNode }) {
  const [store] = useState(() => createJobHistoryStore());
  return <JobHistoryContext value={store}>{children}</JobHistoryContext>;
}

function useHistoryStore(): JobHistoryStore {
  const store = useContext(JobHistoryContext);
  if (!store) throw new Error('useJobHistory needs a JobHistoryProvider above it (app/jobs/layout.tsx)');
  return store;
}

/** What this tab has seen of a job's accepted pixel-samples, oldest first. */
export function useJobHistory(jobId: string): readonly ProgressSample[] {
  return useStore(useHistoryStore(), (state) => state.histories[jobId] ?? EMPTY_HISTORY);
}

/** Records job views as they arrive: `record(job)`. */
export function useRecordJob(): JobHistoryState['record'] {
  return useStore(useHistoryStore(), (state) => state.record);
}

/** Adds the coordinator's samples of a job's progress ahead of this tab's own: `seed(jobId, samples)`. */
export function useSeedJobHistory(): JobHistoryState['seed'] {
  return useStore(useHistoryStore(), (state) => state.seed);
}
