import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Lease } from '../core/api-types';
import { InvalidRequestError } from '../core/errors';
import type { JobSpec } from '../core/job-spec';
import type { RenderTask } from '../core/render-task';
import type { CoordinatorContext } from './context';
import { type ContributorRow, touchContributor } from './contributors';
import type { SqlExecutor } from './db/sql';
import { pinSessionKey } from './session-keys';
import { releaseStalledChecks } from './verification/verify-unit';

const adapterField = z.string().max(64).optional();

export const LeaseRequestSchema = z.object({
  sessionId: z
    .string()
    .min(8)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/, 'sessionId may hold letters, digits, - and _ only'),
  /** The session's public key (ECDSA P-256 JWK): pinned on first sight, results must be signed with it. */
  publicKey: z
    .object({
      kty: z.literal('EC'),
      crv: z.literal('P-256'),
      x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
      y: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    })
    .strip()
    .optional(),
  /** The contributor's GPU, as WebGPU's adapter info reports it: groups contributors for check tolerances. */
  adapter: z.object({ vendor: adapterField, architecture: adapterField }).optional(),
});

/** What the edge knows about the request beyond its body. */
export interface LeaseRequestContext {
  /** The client's network address where the deployment can vouch for it (clientOrigin in http.ts). */
  origin?: string | null;
}

/**
 * Hands the next unit to a contributor session: the oldest job first, and within it the lowest sample range
 * first, so every tile gets its first samples early. A unit whose lease expired is leasable again; the old
 * holder's lease id no longer matches, so a late result from it is refused.
 *
 * Returns null when there is nothing to do.
 */
export async function leaseUnit(
  ctx: CoordinatorContext,
  input: unknown,
  edge: LeaseRequestContext = {},
): Promise<Lease | null> {
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

  const { sessionId, adapter, publicKey } = parsed.data;
  const adapterClass = adapter ? `${adapter.vendor ?? ''}/${adapter.architecture ?? ''}` : null;

  return ctx.db.transaction(async (tx) => {
    const contributor = await touchContributor(
      tx,
      { sessionId, origin: edge.origin ?? null, adapterClass },
      now,
    );
    if (publicKey) await pinSessionKey(tx, sessionId, publicKey);
    await releaseStalledChecks(tx, now);
    // Spot checks first: they are short, and credit for the units they check waits on them.
    const check = await leaseCheck(tx, contributor, leaseId, expiresAt, now);
    if (check) return check;
    // Oldest job first; within a job the first open unit in plan order (early sample ranges of every tile
    // first). One small query per job keeps each lease an index range scan (units_open_by_job), whatever the
    // job's size. SKIP LOCKED lets several coordinator instances lease concurrently without handing out one
    // unit twice.
    const jobs = await tx.query<{ id: string }>(
      `SELECT id FROM jobs WHERE status = 'rendering' ORDER BY created_at, id LIMIT 100`,
    );
    let unit:
      | { id: number; job_id: string; tile_index: number; sample_start: number; sample_end: number }
      | undefined;
    for (const job of jobs) {
      [unit] = await tx.query<{
        id: number;
        job_id: string;
        tile_index: number;
        sample_start: number;
        sample_end: number;
      }>(
        `UPDATE units SET state = 'leased', lease_id = $1, session_id = $2, lease_expires_at = $3,
                attempts = attempts + 1
         WHERE id = (
           SELECT u.id FROM units u
           WHERE u.job_id = $6 AND u.state IN ('pending', 'leased')
             AND (u.state = 'pending' OR u.lease_expires_at <= $4)
             AND NOT ($2 = ANY (u.rejected_sessions))
             -- An independent-seed replica never goes to the session (or origin) that rendered its partner.
             -- (The OR keeps this a per-row lookup by primary key, not an anti-join over the whole table.)
             AND (u.partner_id IS NULL OR NOT EXISTS (
               SELECT 1 FROM units p LEFT JOIN contributors c ON c.session_id = p.session_id
               WHERE p.id = u.partner_id AND (p.session_id = $2 OR ($5::text IS NOT NULL AND c.origin = $5))))
           ORDER BY u.id
           LIMIT 1
           FOR UPDATE OF u SKIP LOCKED)
         RETURNING id, job_id, tile_index, sample_start, sample_end`,
        [leaseId, sessionId, expiresAt, now, contributor.origin, job.id],
      );
      if (unit) break;
    }
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
    return {
      leaseId,
      jobId: unit.job_id,
      unitId: unit.id,
      expiresAt,
      task: taskOf(context.spec, context, unit),
    };
  });
}

function taskOf(
  spec: JobSpec,
  region: { x: number; y: number; width: number; height: number },
  unit: { sample_start: number; sample_end: number },
  pixels?: number[],
): RenderTask {
  return {
    sceneHash: spec.sceneHash,
    environment: spec.environment,
    width: spec.width,
    height: spec.height,
    seed: spec.seed,
    maxBounces: spec.maxBounces,
    region: { x: region.x, y: region.y, width: region.width, height: region.height },
    sampleStart: unit.sample_start,
    sampleEnd: unit.sample_end,
    ...(pixels ? { pixels } : {}),
  };
}

/**
 * Leases the oldest open spot check this contributor may take: never one of a unit it submitted, never one
 * from its own network origin, never a submission it already checked (excluded_* hold all of those).
 */
async function leaseCheck(
  tx: SqlExecutor,
  contributor: ContributorRow,
  leaseId: string,
  expiresAt: number,
  now: number,
): Promise<Lease | null> {
  const [check] = await tx.query<{ id: number; unit_id: number; job_id: string; pixels: number[] }>(
    `UPDATE checks SET state = 'leased', lease_id = $1, session_id = $2, lease_expires_at = $3
     WHERE id = (
       SELECT c.id FROM checks c JOIN jobs j ON j.id = c.job_id
       WHERE j.status = 'rendering'
         AND (c.state = 'pending' OR (c.state = 'leased' AND c.lease_expires_at <= $4))
         AND NOT ($2 = ANY (c.excluded_sessions))
         AND (c.assigned_to IS NULL OR c.assigned_to = $2 OR c.assigned_until <= $4)
         AND ($5::text IS NULL OR NOT ($5 = ANY (c.excluded_origins)))
       ORDER BY j.created_at, c.id
       LIMIT 1
       FOR UPDATE OF c SKIP LOCKED)
     RETURNING id, unit_id, job_id, pixels`,
    [leaseId, contributor.sessionId, expiresAt, now, contributor.origin],
  );
  if (!check) return null;
  const [context] = await tx.query<{
    spec: JobSpec;
    x: number;
    y: number;
    width: number;
    height: number;
    sample_start: number;
    sample_end: number;
  }>(
    `SELECT j.spec, t.x, t.y, t.width, t.height, u.sample_start, u.sample_end FROM units u
     JOIN jobs j ON j.id = u.job_id JOIN tiles t ON t.job_id = u.job_id AND t.tile_index = u.tile_index
     WHERE u.id = $1`,
    [check.unit_id],
  );
  if (!context) throw new Error(`check ${check.id} points at a missing unit`);
  return {
    leaseId,
    jobId: check.job_id,
    unitId: check.unit_id,
    expiresAt,
    task: taskOf(context.spec, context, context, check.pixels),
  };
}
