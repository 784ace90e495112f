import type { CoordinatorContext } from '../coordinator/context';
import type { SqlExecutor } from '../coordinator/db/sql';
import type { JobProgressHistory } from '../protocol/job-control';
import { PROGRESS_HISTORY_LIMITS } from '../protocol/limits';

/**
 * The coordinator's record of each job's accepted pixel-samples over time (migration 16, `job_progress`),
 * so a dashboard that reloads, or opens the job later, draws its throughput chart and ETA from the whole
 * run instead of from what this tab happened to see. Bounded: while a job renders, a sample is taken at
 * most every `minIntervalMs` and at most every (age / perJobSamples), so a week-long job keeps about as
 * many samples as a minute-long one; past `maxPerJob` the oldest go. A job that is not rendering (done,
 * cancelled, paused) records every change: those are its last few.
 */
export async function recordProgress(tx: SqlExecutor, jobId: string, now: number): Promise<void> {
  const { minIntervalMs, perJobSamples, maxPerJob } = PROGRESS_HISTORY_LIMITS;
  const inserted = await tx.query(
    `INSERT INTO job_progress (job_id, at, pixel_samples_done)
     SELECT j.id, $2, j.pixel_samples_done FROM jobs j
     WHERE j.id = $1
       AND (j.status <> 'rendering' OR NOT EXISTS (
         SELECT 1 FROM job_progress p
         WHERE p.job_id = $1 AND p.at > $2::bigint - GREATEST($3::bigint, ($2::bigint - j.created_at) / $4)))
     ON CONFLICT (job_id, at) DO UPDATE SET pixel_samples_done = EXCLUDED.pixel_samples_done
     RETURNING at`,
    [jobId, now, minIntervalMs, perJobSamples],
  );
  if (inserted.length === 0) return;
  await tx.query(
    `DELETE FROM job_progress WHERE job_id = $1 AND at <= (
       SELECT at FROM job_progress WHERE job_id = $1 ORDER BY at DESC OFFSET $2 LIMIT 1)`,
    [jobId, maxPerJob],
  );
}

/** GET /api/jobs/:id/progress: the samples, oldest first (the caller has checked the job may be read). */
export async function jobProgressHistory(
  ctx: CoordinatorContext,
  jobId: string,
): Promise<JobProgressHistory> {
  const rows = await ctx.db.query<{ at: string | number; pixel_samples_done: string | number }>(
    'SELECT at, pixel_samples_done FROM job_progress WHERE job_id = $1 ORDER BY at LIMIT $2',
    [jobId, PROGRESS_HISTORY_LIMITS.maxPerJob],
  );
  return {
    jobId,
    samples: rows.map((r) => ({ at: Number(r.at), pixelSamplesDone: Number(r.pixel_samples_done) })),
  };
}
