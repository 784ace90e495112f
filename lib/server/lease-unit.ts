import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Lease } from '../core/api-types';
import { InvalidRequestError } from '../core/errors';
import type { JobSpec } from '../core/job-spec';
import type { CoordinatorContext } from './context';

export const LeaseRequestSchema = z.object({
  sessionId: z
    .string()
    .min(8)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/, 'sessionId may hold letters, digits, - and _ only'),
});

/**
 * Hands the next unit to a contributor session: the oldest job first, and within it the lowest sample range
 * first, so every tile gets its first samples early. A unit whose lease expired is leasable again; the old
 * holder's lease id no longer matches, so a late result from it is refused.
 *
 * Returns null when there is nothing to do.
 */
export async function leaseUnit(ctx: CoordinatorContext, input: unknown): Promise<Lease | null> {
  const parsed = LeaseRequestSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidRequestError('The lease request is invalid', {
      metaMessages: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
    });
  }
  const now = ctx.now();
  // Unguessable: the lease id is the capability to submit for this unit.
  const leaseId = randomBytes(18).toString('base64url');
  const expiresAt = now + ctx.leaseTtlMs;

  return ctx.db.transaction(async (tx) => {
    // SKIP LOCKED lets several coordinator instances lease concurrently without handing out one unit twice.
    const [unit] = await tx.query<{
      id: number;
      job_id: string;
      tile_index: number;
      sample_start: number;
      sample_end: number;
    }>(
      `UPDATE units SET state = 'leased', lease_id = $1, session_id = $2, lease_expires_at = $3,
              attempts = attempts + 1
       WHERE id = (
         SELECT u.id FROM units u JOIN jobs j ON j.id = u.job_id
         WHERE j.status = 'rendering'
           AND (u.state = 'pending' OR (u.state = 'leased' AND u.lease_expires_at <= $4))
         ORDER BY j.created_at, u.id
         LIMIT 1
         FOR UPDATE OF u SKIP LOCKED)
       RETURNING id, job_id, tile_index, sample_start, sample_end`,
      [leaseId, parsed.data.sessionId, expiresAt, now],
    );
    if (!unit) return null;
    await tx.query('UPDATE jobs SET started_at = $2 WHERE id = $1 AND started_at IS NULL', [
      unit.job_id,
      now,
    ]);
    const [context] = await tx.query<{ spec: JobSpec; x: number; y: number; width: number; height: number }>(
      `SELECT j.spec, t.x, t.y, t.width, t.height FROM jobs j
       JOIN tiles t ON t.job_id = j.id AND t.tile_index = $2 WHERE j.id = $1`,
      [unit.job_id, unit.tile_index],
    );
    if (!context) throw new Error(`unit ${unit.id} points at a missing tile`);
    const { spec } = context;
    return {
      leaseId,
      jobId: unit.job_id,
      unitId: unit.id,
      expiresAt,
      task: {
        sceneHash: spec.sceneHash,
        environment: spec.environment,
        width: spec.width,
        height: spec.height,
        seed: spec.seed,
        maxBounces: spec.maxBounces,
        region: { x: context.x, y: context.y, width: context.width, height: context.height },
        sampleStart: unit.sample_start,
        sampleEnd: unit.sample_end,
      },
    };
  });
}
