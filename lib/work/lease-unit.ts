import { randomBytes } from 'node:crypto';
import type { CoordinatorContext } from '../coordinator/context';
import type { SqlExecutor } from '../coordinator/db/sql';
import type { BatchedCheck, Lease } from '../protocol/api-types';
import { InvalidRequestError, RateLimitedError } from '../protocol/errors';
import type { FramePose } from '../protocol/frame-pose';
import { hasFixedUnits, type JobSpec, MIN_SAMPLES_PER_REPLICA, taskCamera } from '../protocol/job-spec';
import { LeaseRequestSchema } from '../protocol/lease-request';
import { LEASE_LIMITS, MAX_BATCHED_CHECKS, MAX_UNIT_PIXELS } from '../protocol/limits';
import type { Region } from '../protocol/region';
import type { RenderTask } from '../protocol/render-task';
import { replicasOf, tilesPerFrame } from '../protocol/tiles';
import { depositPaysForWork } from '../settlement/work-funding';
import {
  type ContributorRow,
  type Lapse,
  lapsePenaltyUntil,
  recordLapses,
  recordOwnLapses,
  touchContributor,
} from '../verification/contributor-records';
import { AFFORDABLE_FACTOR, CHECK_SECONDS } from '../verification/policy';
import { pinSessionKey } from '../verification/session-identity';
import { releaseAuditedResults, releaseStalledChecks } from '../verification/verify-unit';
import { applyVerdict } from './apply-verdict';
import { carveUnit, UNIT_SIZING, unitBudget } from './carve';
import { jobFramePose } from './frame-pose';

/** What the edge knows about the request beyond its body. */

/**
 * The jobs a lease looks at, in order. Jobs go oldest first, and an owner's priorities only reorder that
 * owner's own jobs among the places in the queue they already hold: the owner's jobs sorted by priority
 * (then age) take the owner's creation times in order. So raising a young job's priority moves it to the
 * owner's oldest place, never ahead of another owner's job. Jobs stored before owners existed are each
 * their own owner.
 */
const leasingOrder = `
  WITH leasable AS (
    SELECT j.id, j.spec, j.created_at, COALESCE(j.owner_hash, j.id) AS owner,
           row_number() OVER (PARTITION BY COALESCE(j.owner_hash, j.id)
                              ORDER BY j.priority DESC, j.created_at, j.id) AS by_priority,
           row_number() OVER (PARTITION BY COALESCE(j.owner_hash, j.id) ORDER BY j.created_at, j.id) AS by_age
    FROM jobs j WHERE j.status = 'rendering' AND ${depositPaysForWork('j', '$1')})
  SELECT job.id, job.spec FROM leasable job
  JOIN leasable place ON place.owner = job.owner AND place.by_age = job.by_priority
  ORDER BY place.created_at, place.id LIMIT 100`;

export interface LeaseRequestContext {
  /** The client's network address where the deployment can vouch for it (lib/coordinator/client-origin.ts). */
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
    await recordOwnLapses(tx, sessionId, now);
    // (The operator's verifier is not held to what anonymous sessions are.)
    if (!contributor.trusted) await refuseLapsingSession(tx, contributor, now);
    if (publicKey) await pinSessionKey(tx, sessionId, publicKey, now);
    if (!contributor.trusted) await refuseCrowdedOrigin(tx, contributor.origin, now);
    for (const decided of await releaseStalledChecks(tx, now)) await applyVerdict(tx, decided, now);
    await releaseAuditedResults(tx, now);
    if (contributor.trusted) {
      // The operator's verifier renders escalations and audits only, as many as a lease carries.
      const [first, ...rest] = await leaseChecks(
        tx,
        contributor,
        { leaseId, expiresAt, now, checkBudget: Number.MAX_SAFE_INTEGER, speed: Number.MAX_SAFE_INTEGER },
        MAX_BATCHED_CHECKS,
      );
      if (!first) return null;
      return {
        leaseId,
        jobId: first.jobId,
        unitId: first.unitId,
        expiresAt,
        task: first.task,
        ...batch(rest),
      };
    }
    // A session holds a unit being rendered, one leased ahead and a check at most: hoarding leases would
    // starve other devices and stall the end of jobs.
    // (A lease may carry a unit and checks: rows sharing one lease id are one lease.)
    const [held] = await tx.query<{ n: number }>(
      `SELECT count(DISTINCT lease_id) AS n FROM (
         SELECT lease_id FROM units WHERE session_id = $1 AND state = 'leased' AND lease_expires_at > $2
         UNION ALL
         SELECT lease_id FROM checks WHERE session_id = $1 AND state = 'leased' AND lease_expires_at > $2) held`,
      [sessionId, now],
    );
    if (Number(held?.n ?? 0) >= MAX_LEASES_HELD) return null;
    const budget = unitBudget({ speed: contributor.speed, lastBudget: contributor.unitBudget });
    // Spot checks first: they are short, and credit for the units they check waits on them.
    // The checks a device takes unasked are the ones it renders in a moment (policy.ts CHECK_SECONDS).
    const speed = contributor.speed ?? UNIT_SIZING.firstUnit / UNIT_SIZING.targetSeconds;
    const checkBudget = Math.floor(speed * CHECK_SECONDS);
    // A timed device takes the checks it may along with its next unit, in one lease (one round trip for
    // all of them); a newcomer takes one check or one unit at a time.
    const timed = contributor.speed !== null;
    const checks = await leaseChecks(
      tx,
      contributor,
      { leaseId, expiresAt, now, checkBudget, speed },
      timed ? MAX_BATCHED_CHECKS : 1,
    );
    const [first, ...rest] = checks;
    if (first && !timed)
      return { leaseId, jobId: first.jobId, unitId: first.unitId, expiresAt, task: first.task };
    // Oldest job first, an owner's priorities deciding among its own jobs only (leasingOrder). Within a
    // job: a unit that is open again (expired or rejected) and fits this device, else a new unit carved to
    // its budget, else a straggler's unit re-issued to a much faster device. Only rendering jobs (not paused
    // or cancelled) whose deposit still pays for work (unpaid jobs always): lib/settlement/work-funding.ts.
    const jobs = await tx.query<{ id: string; spec: JobSpec }>(leasingOrder, [Math.floor(now / 1000)]);
    const lease = { leaseId, sessionId, expiresAt, now, origin: contributor.origin, budget };
    let unit: LeasedUnitRow | undefined;
    for (const job of jobs) {
      unit =
        (await leaseOpenUnit(tx, job.id, hasFixedUnits(job.spec), lease)) ??
        (await carveNewUnit(tx, job, lease)) ??
        (await backUpStraggler(tx, job.id, lease, contributor.speed));
      if (unit) break;
    }
    if (!unit) {
      if (!first) return null;
      return {
        leaseId,
        jobId: first.jobId,
        unitId: first.unitId,
        expiresAt,
        task: first.task,
        ...batch(rest),
      };
    }
    await tx.query('UPDATE jobs SET started_at = $2 WHERE id = $1 AND started_at IS NULL', [
      unit.job_id,
      now,
    ]);
    const spec = jobs.find((j) => j.id === unit?.job_id)?.spec as JobSpec;
    const pose = await jobFramePose(tx, { id: unit.job_id, spec }, unit.frame);
    return {
      leaseId,
      jobId: unit.job_id,
      unitId: Number(unit.id),
      expiresAt,
      task: taskOf(spec, unit, unit, pose),
      ...batch(checks),
    };
  });
}

interface LeasedUnitRow {
  id: number;
  job_id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  sample_start: number;
  sample_end: number;
  /** An animation's frame; null for a still. */
  frame: number | null;
}

const LEASED_COLUMNS = 'id, job_id, x, y, width, height, sample_start, sample_end, frame';
const LEASED_COLUMNS_OF = (table: string) =>
  LEASED_COLUMNS.split(', ')
    .map((c) => `${table}.${c}`)
    .join(', ');

interface LeaseTerms {
  leaseId: string;
  sessionId: string;
  expiresAt: number;
  now: number;
  origin: string | null;
  /** Pixel-samples this device should get (lib/work/carve.ts unitBudget). */
  budget: number;
}

/** Leases one session may hold at once (a unit rendering, one leased ahead, a check). */
export const MAX_LEASES_HELD = 3;

function batch(checks: BatchedCheck[]): { checks?: BatchedCheck[] } {
  return checks.length > 0 ? { checks } : {};
}

/** How many times its budget a device may be handed in one existing unit or check (neither is resized). */
const OVERSIZE = AFFORDABLE_FACTOR;

/**
 * The first open unit of the job in plan order that fits this device: pending (never leased, rejected, or a
 * planned unit of a fixed-size job) or leased and expired. One index range scan (units_open_by_job); SKIP
 * LOCKED lets several coordinator instances lease concurrently without handing out one unit twice.
 */
async function leaseOpenUnit(
  tx: SqlExecutor,
  jobId: string,
  fixed: boolean,
  t: LeaseTerms,
): Promise<LeasedUnitRow | undefined> {
  const [unit] = await tx.query<
    LeasedUnitRow & { lapsed_session: string | null; lapsed_lease: string | null; lapsed_at: number | null }
  >(
    `WITH picked AS (
       SELECT u.id, CASE WHEN u.state = 'leased' THEN u.session_id END AS lapsed_session,
              CASE WHEN u.state = 'leased' THEN u.lease_id END AS lapsed_lease,
              CASE WHEN u.state = 'leased' THEN u.lease_expires_at END AS lapsed_at
       FROM units u
       WHERE u.job_id = $6 AND u.state IN ('pending', 'leased')
         AND (u.state = 'pending' OR u.lease_expires_at <= $4)
         AND u.backup_of IS NULL
         AND NOT ($2 = ANY (u.rejected_sessions))
         -- sized to this device, unless nobody that fits has taken it for a while (or the units are fixed)
         AND ($7::bigint IS NULL OR u.width::bigint * u.height * (u.sample_end - u.sample_start) <= $7
              OR COALESCE(CASE WHEN u.state = 'leased' THEN u.lease_expires_at ELSE u.open_since END, 0) <= $4 - $8)
         -- An independent-seed replica never goes to the session (or origin) that rendered its partner.
         -- (The OR keeps this a per-row lookup by primary key, not an anti-join over the whole table.)
         AND (u.partner_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM units p LEFT JOIN contributors c ON c.session_id = p.session_id
           WHERE p.id = u.partner_id AND (p.session_id = $2 OR ($5::text IS NOT NULL AND c.origin = $5))))
       ORDER BY u.id
       LIMIT 1
       FOR UPDATE OF u SKIP LOCKED)
     UPDATE units SET state = 'leased', lease_id = $1, session_id = $2, lease_expires_at = $3, leased_at = $4,
            attempts = attempts + 1
     FROM picked WHERE units.id = picked.id
     RETURNING ${LEASED_COLUMNS_OF('units')}, picked.lapsed_session, picked.lapsed_lease, picked.lapsed_at`,
    [
      t.leaseId,
      t.sessionId,
      t.expiresAt,
      t.now,
      t.origin,
      jobId,
      fixed ? null : t.budget * OVERSIZE,
      OPEN_TO_ANYONE_MS,
    ],
  );
  if (unit?.lapsed_session && unit.lapsed_lease) {
    const at = Number(unit.lapsed_at);
    await recordLapses(tx, [{ sessionId: unit.lapsed_session, leaseId: unit.lapsed_lease, at }]);
  }
  return unit;
}

/**
 * Carves a new unit of the job for this device from its tiles' sample frontiers (lib/work/carve.ts), and
 * its independent-seed replica when the job asks for one. Carving of one job is serialised by an advisory
 * lock, so instances sharing a database never plan one sample twice.
 */
async function carveNewUnit(
  tx: SqlExecutor,
  job: { id: string; spec: JobSpec },
  t: LeaseTerms,
): Promise<LeasedUnitRow | undefined> {
  const { spec } = job;
  if (hasFixedUnits(spec)) return undefined;
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [CARVE_LOCK, job.id]);
  // An animation carves its frames in turn: the first frame with samples left to plan, carved like a still
  // (its tile rows are [k·n, (k+1)·n), lib/work/plan.ts jobTiles). One frame's rows are read, not all.
  const perFrame = tilesPerFrame(spec);
  const [open] = spec.frames
    ? await tx.query<{ k: number }>(
        `SELECT tile_index / $2 AS k FROM tiles WHERE job_id = $1 AND samples_planned < $3
         ORDER BY tile_index LIMIT 1`,
        [job.id, perFrame, spec.samplesPerPixel],
      )
    : [{ k: 0 }];
  if (!open) return undefined;
  const k = Number(open.k);
  const base = k * perFrame;
  const frame = spec.frames ? spec.frames.start + k : null;
  const rows = await tx.query<{ samples_planned: number }>(
    `SELECT samples_planned FROM tiles WHERE job_id = $1 AND tile_index >= $2 AND tile_index < $3
     ORDER BY tile_index`,
    [job.id, base, base + perFrame],
  );
  const replicas = replicasOf(spec);
  const carved = carveUnit(
    spec,
    rows.map((r) => r.samples_planned),
    spec.samplesPerPixel,
    Math.max(1, Math.floor(t.budget / replicas)),
    MAX_UNIT_PIXELS,
    replicas === 2 ? MIN_SAMPLES_PER_REPLICA : 1,
  );
  if (!carved) return undefined;
  const tiles = carved.tiles.map((i) => base + i);
  await tx.query('UPDATE tiles SET samples_planned = $3 WHERE job_id = $1 AND tile_index = ANY ($2::int[])', [
    job.id,
    tiles,
    carved.sampleEnd,
  ]);
  const { x, y, width, height } = carved.region;
  const unit = await insertLeasedUnit(tx, job.id, tiles[0] as number, frame, carved.region, carved, t, null);
  if (replicas === 2) {
    // The replica renders sample indices [spp + start, spp + end): with counter-based random numbers an
    // independent stream of the same pixels, and a continuation of the image once both are accepted.
    const spp = spec.samplesPerPixel;
    await tx.query(
      `WITH replica AS (
         INSERT INTO units (job_id, tile_index, x, y, width, height, sample_start, sample_end, state, partner_id,
           open_since, frame)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11) RETURNING id)
       UPDATE units SET partner_id = (SELECT id FROM replica) WHERE id = $9`,
      [
        job.id,
        tiles[0],
        x,
        y,
        width,
        height,
        spp + carved.sampleStart,
        spp + carved.sampleEnd,
        unit.id,
        t.now,
        frame,
      ],
    );
  }
  await tx.query('UPDATE jobs SET units_total = units_total + $2 WHERE id = $1', [job.id, replicas]);
  return unit;
}

/** Advisory lock namespace of carving (the second key is the job id's hash). */
const CARVE_LOCK = 7_245_002;

/**
 * The end of a job must not wait on a slow device: when nothing is left to carve or re-issue, a unit leased to
 * a session much slower than this one, which this one would finish first, is re-issued to it as a backup
 * copy. Both render the same bits (same seeds); the first result counts and voids the other copy.
 */
async function backUpStraggler(
  tx: SqlExecutor,
  jobId: string,
  t: LeaseTerms,
  speed: number | null,
): Promise<LeasedUnitRow | undefined> {
  if (speed === null || !(speed > 0)) return undefined;
  const [original] = await tx.query<LeasedUnitRow & { tile_index: number }>(
    `SELECT u.id, u.job_id, u.tile_index, u.x, u.y, u.width, u.height, u.sample_start, u.sample_end, u.frame
     FROM units u LEFT JOIN contributors c ON c.session_id = u.session_id
     WHERE u.job_id = $1 AND u.state = 'leased' AND u.lease_expires_at > $3 AND u.backup_of IS NULL
       AND u.partner_id IS NULL AND u.session_id <> $2 AND NOT ($2 = ANY (u.rejected_sessions))
       AND u.width::bigint * u.height * (u.sample_end - u.sample_start) <= $4
       -- this device's finish beats the holder's expected finish (a newcomer's by its first-unit time)
       AND $3 + 1000.0 * u.width * u.height * (u.sample_end - u.sample_start) / $5
           < u.leased_at + 1000.0 * u.width * u.height * (u.sample_end - u.sample_start)
             / GREATEST(COALESCE(c.speed, $6), 1) / 2
       AND NOT EXISTS (SELECT 1 FROM units b WHERE b.backup_of = u.id AND b.state <> 'void'
                       AND NOT (b.state = 'leased' AND b.lease_expires_at <= $3))
     ORDER BY u.leased_at LIMIT 1
     FOR UPDATE OF u SKIP LOCKED`,
    [
      jobId,
      t.sessionId,
      t.now,
      t.budget * OVERSIZE,
      speed,
      UNIT_SIZING.firstUnit / UNIT_SIZING.targetSeconds,
    ],
  );
  if (!original) return undefined;
  return insertLeasedUnit(
    tx,
    jobId,
    original.tile_index,
    original.frame,
    original,
    { sampleStart: original.sample_start, sampleEnd: original.sample_end },
    t,
    original.id,
  );
}

/** Stores a unit leased at once to the asking session: a freshly carved one, or a straggler's backup copy. */
async function insertLeasedUnit(
  tx: SqlExecutor,
  jobId: string,
  tileIndex: number,
  frame: number | null,
  region: Region,
  samples: { sampleStart: number; sampleEnd: number },
  t: LeaseTerms,
  backupOf: number | null,
): Promise<LeasedUnitRow> {
  const [unit] = await tx.query<LeasedUnitRow>(
    `INSERT INTO units (job_id, tile_index, x, y, width, height, sample_start, sample_end, state, lease_id,
       session_id, lease_expires_at, leased_at, attempts, backup_of, frame)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'leased', $9, $10, $11, $12, 1, $13, $14)
     RETURNING ${LEASED_COLUMNS}`,
    [
      jobId,
      tileIndex,
      region.x,
      region.y,
      region.width,
      region.height,
      samples.sampleStart,
      samples.sampleEnd,
      t.leaseId,
      t.sessionId,
      t.expiresAt,
      t.now,
      backupOf,
      frame,
    ],
  );
  if (!unit) throw new Error(`storing a leased unit of job ${jobId} inserted nothing`);
  return unit;
}

function taskOf(
  spec: JobSpec,
  region: { x: number; y: number; width: number; height: number },
  unit: { sample_start: number; sample_end: number },
  pose: FramePose | null,
  pixels?: number[],
): RenderTask {
  return {
    sceneHash: spec.sceneHash,
    environment: spec.environment,
    ...taskCamera(spec),
    width: spec.width,
    height: spec.height,
    seed: spec.seed,
    maxBounces: spec.maxBounces,
    region: { x: region.x, y: region.y, width: region.width, height: region.height },
    sampleStart: unit.sample_start,
    sampleEnd: unit.sample_end,
    ...(pixels ? { pixels } : {}),
    ...(pose ? { pose } : {}),
  };
}

/**
 * Leases the oldest open spot checks this contributor may take, up to `limit`, together a moment of its time
 * (or the first one alone when that one is more): never one of a unit it submitted, never one from its own
 * network origin, never a submission it already checked (excluded_* hold all of those). They share the lease
 * id; their order (by id) is the order of their results in the lease's result.
 */
async function leaseChecks(
  tx: SqlExecutor,
  contributor: ContributorRow,
  t: {
    leaseId: string;
    expiresAt: number;
    now: number;
    /** Pixel-samples of checks this device renders in a moment (policy.ts CHECK_SECONDS). */
    checkBudget: number;
    /** Its measured speed (pixel-samples/s; a newcomer's assumed one). */
    speed: number;
  },
  limit: number,
): Promise<BatchedCheck[]> {
  const open = await tx.query<{
    id: number;
    cost: number | string;
    lapsed_session: string | null;
    lapsed_lease: string | null;
    lapsed_at: number | string | null;
  }>(
    `SELECT c.id, c.cost, CASE WHEN c.state = 'leased' THEN c.session_id END AS lapsed_session,
            CASE WHEN c.state = 'leased' THEN c.lease_id END AS lapsed_lease,
            CASE WHEN c.state = 'leased' THEN c.lease_expires_at END AS lapsed_at
     FROM checks c JOIN jobs j ON j.id = c.job_id
     -- Spot checks to sessions, escalations and audits to trusted verifiers only (an audit may come after
     -- its job is done, and costs the requestor nothing). A paused or cancelled job's spot checks still go
     -- out: they decide (and credit) the units its contributors were rendering when it stopped.
     WHERE (c.kind = 'spot') = NOT $11::boolean
       AND (c.kind <> 'spot' OR (j.status IN ('rendering', 'paused', 'cancelled') AND ${depositPaysForWork('j', '$10')}))
       AND (c.state = 'pending' OR (c.state = 'leased' AND c.lease_expires_at <= $2))
       -- (a trusted verifier may audit a unit whose dispute it decided: it is not a party to it)
       AND (c.kind <> 'spot' OR NOT ($1 = ANY (c.excluded_sessions)))
       AND (c.assigned_to IS NULL OR c.assigned_to = $1 OR c.assigned_until <= $2)
       AND ($3::text IS NULL OR c.kind <> 'spot' OR NOT ($3 = ANY (c.excluded_origins)))
       -- one it renders in a moment, or up to AFFORDABLE_FACTOR times longer when it was drawn for it (the
       -- fastest eligible device may still need more than a moment); one nobody took for a while when it
       -- takes this device no more than a unit's time; after longer still, anyway
       AND (c.cost <= $4 OR (c.assigned_to = $1 AND c.cost <= $4 * $5)
            OR (c.created_at <= $2 - $6 AND c.cost <= $7) OR c.created_at <= $2 - $8)
     ORDER BY j.created_at, c.id
     LIMIT $9
     FOR UPDATE OF c SKIP LOCKED`,
    [
      contributor.sessionId,
      t.now,
      contributor.origin,
      t.checkBudget,
      AFFORDABLE_FACTOR,
      UNAFFORDABLE_CHECK_MS,
      Math.floor(t.speed * UNIT_SIZING.targetSeconds),
      STRANDED_CHECK_MS,
      limit,
      Math.floor(t.now / 1000),
      contributor.trusted,
    ],
  );
  const ids: number[] = [];
  const lapsed: Lapse[] = [];
  let cost = 0;
  for (const c of open) {
    cost += Number(c.cost);
    if (ids.length > 0 && cost > t.checkBudget) break;
    ids.push(c.id);
    if (c.lapsed_session && c.lapsed_lease)
      lapsed.push({ sessionId: c.lapsed_session, leaseId: c.lapsed_lease, at: Number(c.lapsed_at) });
  }
  if (ids.length === 0) return [];
  await recordLapses(tx, lapsed);
  const rows = await tx.query<{
    id: number;
    unit_id: number;
    job_id: string;
    pixels: number[];
    spec: JobSpec;
    x: number;
    y: number;
    width: number;
    height: number;
    sample_start: number;
    sample_end: number;
    frame: number | null;
  }>(
    `WITH leased AS (
       UPDATE checks SET state = 'leased', lease_id = $2, session_id = $3, lease_expires_at = $4, leased_at = $5
       WHERE id = ANY ($1::bigint[])
       RETURNING id, unit_id, job_id, pixels)
     SELECT l.id, l.unit_id, l.job_id, l.pixels, j.spec, u.x, u.y, u.width, u.height, u.sample_start,
            u.sample_end, u.frame
     FROM leased l JOIN units u ON u.id = l.unit_id JOIN jobs j ON j.id = l.job_id
     ORDER BY l.id`,
    [ids, t.leaseId, contributor.sessionId, t.expiresAt, t.now],
  );
  // A check renders its unit's frame with the very pose the unit had: the comparison stays exact.
  const checks: BatchedCheck[] = [];
  for (const r of rows) {
    const pose = await jobFramePose(tx, { id: r.job_id, spec: r.spec }, r.frame);
    checks.push({ jobId: r.job_id, unitId: Number(r.unit_id), task: taskOf(r.spec, r, r, pose, r.pixels) });
  }
  return checks;
}

/** After this long an open unit too big for the devices asking goes to any of them. */
const OPEN_TO_ANYONE_MS = 30_000;

/** After this long a check nobody fast took goes to any eligible device that renders it in a unit's time. */
const UNAFFORDABLE_CHECK_MS = 30_000;

/** After this long a check goes to any eligible device: a farm of slow devices still verifies. */
const STRANDED_CHECK_MS = 120_000;

/** A session that keeps letting its leases lapse waits before it gets another (LEASE_LIMITS). */
async function refuseLapsingSession(
  tx: SqlExecutor,
  contributor: ContributorRow,
  now: number,
): Promise<void> {
  const penalty = await lapsePenaltyUntil(tx, contributor, LEASE_LIMITS);
  if (penalty === null || penalty.until <= now) return;
  const retryAfterSeconds = Math.ceil((penalty.until - now) / 1000);
  throw new RateLimitedError(`This session let ${penalty.lapses} leases in a row lapse`, {
    retryAfterSeconds,
    metaMessages: [
      `Try again in ${retryAfterSeconds} s, and submit (or give back) what you lease before it expires.`,
    ],
  });
}

/**
 * Sessions cost nothing, so what one network origin holds is bounded too: a script with a thousand sessions
 * holds no more work than a household of GPUs (LEASE_LIMITS.perOrigin). Unknown origins are not counted.
 */
async function refuseCrowdedOrigin(tx: SqlExecutor, origin: string | null, now: number): Promise<void> {
  if (origin === null) return;
  const [held] = await tx.query<{ n: number | string }>(
    `SELECT count(DISTINCT lease_id) AS n FROM (
       SELECT u.lease_id FROM contributors c JOIN units u ON u.session_id = c.session_id
       WHERE c.origin = $1 AND u.state = 'leased' AND u.lease_expires_at > $2
       UNION ALL
       SELECT k.lease_id FROM contributors c JOIN checks k ON k.session_id = c.session_id
       WHERE c.origin = $1 AND k.state = 'leased' AND k.lease_expires_at > $2) held`,
    [origin, now],
  );
  if (Number(held?.n ?? 0) < LEASE_LIMITS.perOrigin) return;
  throw new RateLimitedError(`Your network already holds ${LEASE_LIMITS.perOrigin} leases`, {
    retryAfterSeconds: 5,
    metaMessages: ['Submit or give back what you hold first; more work is handed out as it comes back.'],
  });
}
