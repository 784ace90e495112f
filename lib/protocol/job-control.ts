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
