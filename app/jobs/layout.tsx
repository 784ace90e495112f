import type { ReactNode } from 'react';
import { JobHistoryProvider } from '../../components/jobs/job-history';

/** The jobs pages share what this tab has seen of each job's progress (ETA, throughput chart). */
export default function JobsLayout({ children }: { children: ReactNode }) {
  return <JobHistoryProvider>{children}</JobHistoryProvider>;
}
