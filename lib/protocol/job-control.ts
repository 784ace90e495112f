import { z } from 'zod';
import { JOB_PRIORITY_LIMITS } from './limits';

/**
 * Wire schemas of a job owner's controls (lib/work/job-control.ts) and of the progress history
 * (lib/work/job-progress-history.ts). Every control carries `authorization: Bearer <ownerToken>`, the token
 * POST /api/jobs answered with.
 */

/** The owner token: 32 random bytes, base64url without padding (43 characters). */
export const OwnerTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** POST /api/jobs/:id/priority */
export const JobPriorityRequestSchema = z
  .object({
    priority: z.number().int().min(JOB_PRIORITY_LIMITS.min).max(JOB_PRIORITY_LIMITS.max),
  })
  .strict();
export type JobPriorityRequest = z.infer<typeof JobPriorityRequestSchema>;

/** POST /api/jobs/:id/cancel, /pause, /resume: no body (an empty object is accepted too). */
export const JobControlActionSchema = z.enum(['cancel', 'pause', 'resume']);
export type JobControlAction = z.infer<typeof JobControlActionSchema>;

/** GET /api/jobs/:id/progress: the coordinator's samples of the job's accepted pixel-samples over time. */
export const JobProgressHistorySchema = z.object({
  jobId: z.string(),
  /** Oldest first; `at` in ms since epoch. */
  samples: z.array(z.object({ at: z.number(), pixelSamplesDone: z.number() })),
});
export type JobProgressHistory = z.infer<typeof JobProgressHistorySchema>;

/**
 * A paid job's depositing wallet may act as its owner instead of the token: it signs (EIP-191,
 * `personal_sign`) `jobControlMessage(jobId, action, expiresAt)` and sends the signature and the expiry in
 * these headers. `action` is 'cancel', 'pause', 'resume' or 'priority:<n>' (the value is signed too).
 */
export const OWNER_SIGNATURE_HEADER = 'x-lumengrid-owner-signature';
export const OWNER_SIGNATURE_EXPIRES_HEADER = 'x-lumengrid-owner-expires';
/** A signed control is good for this long at most (seconds): a captured one cannot be replayed later. */
export const OWNER_SIGNATURE_MAX_SECONDS = 600;

export function jobControlMessage(jobId: string, action: string, expiresAt: number): string {
  return [
    'Lumengrid: I requested this job and ask the coordinator to act on it.',
    `Job: ${jobId}`,
    `Action: ${action}`,
    `Valid until: ${expiresAt}`,
  ].join('\n');
}
