import type { CoordinatorContext } from '../coordinator/context';
import type { OwnerCredential, WalletProof } from '../coordinator/owner-credential';
import type { JobStatus, JobView } from '../protocol/api-types';
import { ConflictError, InvalidRequestError } from '../protocol/errors';
import { type JobControlAction, JobPriorityRequestSchema } from '../protocol/job-control';
import { requireJobOwner } from './job-owner';
import { recordProgress } from './job-progress-history';
import { getJob } from './jobs';

/**
 * A job owner's controls (POST /api/jobs/:id/cancel, /pause, /resume, /priority), each proven by the owner
 * token (lib/work/job-owner.ts) or, for a paid job, by its depositing wallet's signature of the control.
 *
 * - cancel: the job becomes 'cancelled' for good and hands out no more units. What was already handed out
 *   is honoured: a contributor who leased a unit before the cancel was rendering in good faith, so its
 *   result is still taken until its lease expires, verified (the job's spot checks still go out) and
 *   credited; nothing is re-issued. For a paid job the settlement then closes the job once that credit
 *   has matured (lib/settlement/settlement.ts), and the escrow lets the requestor `refund` the unsettled
 *   rest: settled credit stays payable to contributors. A paid job cancelled before its deposit arrived
 *   never starts; whatever was deposited is refundable when the escrow's expiry passes (or, should the
 *   deposit arrive after all, once the settlement closes it).
 * - pause: 'rendering' → 'paused': no new units, the image and progress stay; in-flight work is honoured as
 *   above. resume: back to 'rendering'.
 * - priority: the job's order among the same owner's jobs (lib/work/lease-unit.ts leasingOrder).
 * Repeating a control that already holds (cancel a cancelled job) answers the job as it is.
 */

const ALLOWED: Record<JobControlAction, { from: JobStatus[]; to: JobStatus }> = {
  cancel: { from: ['awaiting-deposit', 'rendering', 'paused'], to: 'cancelled' },
  pause: { from: ['rendering'], to: 'paused' },
  resume: { from: ['paused'], to: 'rendering' },
};

const VERBS: Record<JobControlAction, string> = { cancel: 'cancel', pause: 'pause', resume: 'resume' };

export async function controlJob(
  ctx: CoordinatorContext,
  jobId: string,
  action: JobControlAction,
  credential: OwnerCredential | null,
  wallet: WalletProof | null = null,
): Promise<JobView> {
  const rule = ALLOWED[action];
  const now = ctx.now();
  const changed = await ctx.db.transaction(async (tx) => {
    const job = await requireJobOwner(
      tx,
      jobId,
      credential,
      VERBS[action],
      wallet && { proof: wallet, action, now },
    );
    const status = job.status as JobStatus;
    if (status === rule.to) return false;
    if (!rule.from.includes(status)) {
      throw new ConflictError(`Job ${jobId} is ${status}: it cannot ${VERBS[action]}`, {
        metaMessages: [hintFor(action, status)],
      });
    }
    await tx.query(
      `UPDATE jobs SET status = $2, version = version + 1,
         completed_at = CASE WHEN $2 = 'cancelled' THEN $3 ELSE completed_at END
       WHERE id = $1`,
      [jobId, rule.to, now],
    );
    await recordProgress(tx, jobId, now);
    return true;
  });
  if (changed) ctx.onJobChanged(jobId);
  return getJob(ctx, jobId);
}

function hintFor(action: JobControlAction, status: JobStatus): string {
  if (status === 'done') return 'The job has finished; download its image.';
  if (status === 'cancelled') return 'A cancelled job stays cancelled; create a new job to render it again.';
  if (action === 'pause' && status === 'awaiting-deposit')
    return 'It renders nothing until its deposit arrives.';
  if (action === 'resume') return 'Only a paused job resumes.';
  return 'Reload the job to see its status.';
}

/** Sets the job's priority among its owner's jobs. */
export async function setJobPriority(
  ctx: CoordinatorContext,
  jobId: string,
  input: unknown,
  credential: OwnerCredential | null,
  wallet: WalletProof | null = null,
): Promise<JobView> {
  const parsed = JobPriorityRequestSchema.safeParse(input);
  const changed = await ctx.db.transaction(async (tx) => {
    // The owner first: a stranger learns nothing from how its body would have been judged. A wallet signs
    // the value it asks for ('priority:<n>').
    const signed = parsed.success ? `priority:${parsed.data.priority}` : 'priority:invalid';
    const job = await requireJobOwner(
      tx,
      jobId,
      credential,
      'change the priority of',
      wallet && { proof: wallet, action: signed, now: ctx.now() },
    );
    if (!parsed.success) {
      throw new InvalidRequestError('The priority request is invalid', {
        metaMessages: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
        details: parsed.error.flatten(),
      });
    }
    if (job.status === 'done' || job.status === 'cancelled') {
      throw new ConflictError(`Job ${jobId} is ${job.status}: its priority no longer matters`);
    }
    const rows = await tx.query(
      'UPDATE jobs SET priority = $2, version = version + 1 WHERE id = $1 AND priority <> $2 RETURNING id',
      [jobId, parsed.data.priority],
    );
    return rows.length > 0;
  });
  if (changed) ctx.onJobChanged(jobId);
  return getJob(ctx, jobId);
}
