'use client';

import { useState } from 'react';
import { ApiError, controlJob, setJobPriority } from '../../lib/client/api';
import { isFinalStatus, type JobView } from '../../lib/protocol/api-types';
import type { JobControlAction } from '../../lib/protocol/job-control';
import { JOB_PRIORITY_LIMITS } from '../../lib/protocol/limits';
import { useOwnerToken } from './use-owner';

const PRIORITIES = Array.from(
  { length: JOB_PRIORITY_LIMITS.max - JOB_PRIORITY_LIMITS.min + 1 },
  (_, i) => JOB_PRIORITY_LIMITS.max - i,
);

/**
 * Cancel, pause, resume and priority for one of this browser's jobs (POST /api/jobs/:id/…, with the owner
 * token). Shows nothing for a job this browser does not own, or one that ended. `onChanged` gets the job
 * as the server answered.
 */
export function JobOwnerControls({
  job,
  owned,
  onChanged,
}: {
  job: JobView;
  /** The coordinator said this browser's token owns the job ('My jobs', or the job's `ownedByYou`). */
  owned: boolean;
  onChanged?: (job: JobView) => void;
}) {
  const ownerToken = useOwnerToken();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  if (!owned || !ownerToken || isFinalStatus(job.status)) return null;

  async function run(task: () => Promise<JobView>) {
    setBusy(true);
    setProblem(null);
    try {
      onChanged?.(await task());
    } catch (cause) {
      setProblem(cause instanceof ApiError ? cause.shortMessage : String(cause));
    } finally {
      setBusy(false);
    }
  }
  const act = (action: JobControlAction) => () => run(() => controlJob(job.id, action, { ownerToken }));

  return (
    <div className="job-owner-controls button-row" data-testid="job-owner-controls">
      {job.status === 'rendering' ? (
        <button type="button" className="button button--secondary" disabled={busy} onClick={act('pause')}>
          Pause
        </button>
      ) : null}
      {job.status === 'paused' ? (
        <button type="button" className="button button--secondary" disabled={busy} onClick={act('resume')}>
          Resume
        </button>
      ) : null}
      <button
        type="button"
        className="button button--ghost"
        disabled={busy}
        data-testid="job-cancel"
        onClick={() => {
          const paidNote = job.payment
            ? ' Work already handed out is still paid for; the rest of the deposit becomes refundable once the job closes.'
            : '';
          if (window.confirm(`Cancel job ${job.id.slice(0, 8)}? It cannot be resumed.${paidNote}`)) {
            void act('cancel')();
          }
        }}
      >
        Cancel job
      </button>
      <label className="small">
        Priority among my jobs{' '}
        <select
          value={job.priority}
          disabled={busy}
          onChange={(event) => {
            const priority = Number(event.target.value);
            void run(() => setJobPriority(job.id, priority, { ownerToken }));
          }}
        >
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {p > 0 ? `+${p}` : p}
            </option>
          ))}
        </select>
      </label>
      {problem ? (
        <span className="notice notice--error small" role="alert">
          {problem}
        </span>
      ) : null}
    </div>
  );
}
