import { randomInt, randomUUID } from 'node:crypto';
import type { CoordinatorContext } from '../coordinator/context';
import type { SqlExecutor } from '../coordinator/db/sql';
import type {
  CreatedJobView,
  JobPaymentView,
  JobStatus,
  JobVerification,
  JobView,
  TileProgress,
} from '../protocol/api-types';
import { InvalidRequestError, NotFoundError, RateLimitedError, UnavailableError } from '../protocol/errors';
import { frameCount, hasFixedUnits, JobRequestSchema, type JobSpec } from '../protocol/job-spec';
import { ANIMATION_LIMITS, CONFIDENCE_LIMITS, JOB_LIMITS, JOB_SIZE_LIMITS } from '../protocol/limits';
import { jobPixelSamples, replicasOf, tilesPerFrame } from '../protocol/tiles';
import { insertJobPayment, jobPaymentViews, planJobPayment } from '../settlement/job-payment';
import { pixelsPerCheck } from '../verification/policy';
import { resolveJobEnvironment } from './environment-store';
import { ownerOfNewJob } from './job-owner';
import { recordProgress } from './job-progress-history';
import { jobTiles, planJob, planUnits, unitCount } from './plan';
import { resolveScene } from './scene-store';

interface JobRow {
  id: string;
  spec: JobSpec;
  status: JobStatus;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  units_total: number;
  units_done: number;
  pixel_samples_total: number;
  pixel_samples_done: number;
  version: number;
  units_rejected: number;
  check_pixel_samples: number;
  units_verifying: number;
  private: boolean;
  priority: number;
}

/** Job columns plus the count of units waiting for verification. */
const JOB_SELECT = `SELECT j.*, (SELECT count(*)::int FROM units u WHERE u.job_id = j.id AND u.state = 'verifying')
  AS units_verifying FROM jobs j`;

/** What the edge knows about a job request beyond its body. */
export interface JobRequestContext {
  /** The requestor's network origin where known (lib/coordinator/client-origin.ts). */
  origin?: string | null;
  /** The owner token the request carried (its Bearer header), if any: the new job joins that owner. */
  ownerToken?: string | null;
}

/** Validates a requestor's job, plans its tiles and units, and stores them in one transaction. */
export async function createJob(
  ctx: CoordinatorContext,
  input: unknown,
  edge: JobRequestContext = {},
): Promise<CreatedJobView> {
  const parsed = JobRequestSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidRequestError('The job request is invalid', {
      metaMessages: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
      details: parsed.error.flatten(),
    });
  }
  const scene = await resolveScene(ctx, parsed.data.scene);
  const request = parsed.data.environment
    ? { ...parsed.data, environment: await resolveJobEnvironment(ctx, parsed.data.environment) }
    : parsed.data;
  const spec = planJob(request, scene, () => randomInt(0, 2 ** 32 - 1));
  const fixed = hasFixedUnits(spec);
  const units = unitCount(spec);
  if (fixed && units > JOB_LIMITS.maxUnits) {
    throw new InvalidRequestError(
      `This job would need ${units} work units; the limit is ${JOB_LIMITS.maxUnits}`,
      {
        metaMessages: [
          'Raise tileSize or samplesPerUnit, or leave samplesPerUnit out so that units are sized to each GPU.',
        ],
      },
    );
  }

  refuseTooManyTiles(spec);
  if (fixed) refuseOversizedUnits(spec);
  const owner = await ownerOfNewJob(ctx, edge.ownerToken ?? null);
  const id = randomUUID();
  const payment = planJobPayment(ctx, id, spec, parsed.data.budgetWei, parsed.data.requestor);
  if (!payment) await refuseFreeJobBeyondLimits(ctx, spec, edge.origin ?? null);
  const now = ctx.now();
  const tiles = jobTiles(spec);
  // Fixed-size units are planned now; device-sized ones are carved as devices ask (lib/work/carve.ts).
  const plan = fixed ? planUnits(spec) : [];
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO jobs (id, spec, status, created_at, units_total, pixel_samples_total, origin, owner_hash,
         private, priority)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        id,
        JSON.stringify(spec),
        payment ? 'awaiting-deposit' : 'rendering',
        now,
        plan.length,
        jobPixelSamples(spec),
        edge.origin ?? null,
        owner.hash,
        parsed.data.private,
        parsed.data.priority,
      ],
    );
    await recordProgress(tx, id, now);
    if (payment) await insertJobPayment(tx, id, payment);
    await tx.query(
      `INSERT INTO tiles (job_id, tile_index, x, y, width, height, samples_planned, frame)
       SELECT $1, t.i, t.x, t.y, t.w, t.h, $7, t.f
       FROM unnest($2::int[], $3::int[], $4::int[], $5::int[], $6::int[], $8::int[]) AS t(i, x, y, w, h, f)`,
      [
        id,
        ...(['index', 'x', 'y', 'width', 'height'] as const).map((k) => tiles.map((t) => t[k])),
        fixed ? spec.samplesPerPixel : 0,
        tiles.map((t) => t.frame),
      ],
    );
    await tx.query(
      `INSERT INTO units (job_id, tile_index, x, y, width, height, sample_start, sample_end, state, frame)
       SELECT $1, u.t, t.x, t.y, t.width, t.height, u.s0, u.s1, 'pending', t.frame
       FROM unnest($2::int[], $3::int[], $4::int[]) WITH ORDINALITY AS u(t, s0, s1, n)
       JOIN tiles t ON t.job_id = $1 AND t.tile_index = u.t
       ORDER BY u.n`,
      [id, plan.map((u) => u.tileIndex), plan.map((u) => u.sampleStart), plan.map((u) => u.sampleEnd)],
    );
    if (replicasOf(spec) === 2) {
      // Pair each unit with its replica: same tile, sample range offset by samplesPerPixel.
      await tx.query(
        `UPDATE units a SET partner_id = b.id FROM units b
         WHERE a.job_id = $1 AND b.job_id = $1 AND a.tile_index = b.tile_index
           AND (b.sample_start = a.sample_start + $2 OR a.sample_start = b.sample_start + $2)`,
        [id, spec.samplesPerPixel],
      );
    }
  });
  ctx.onJobChanged(id);
  return { ...(await getJob(ctx, id)), ownerToken: owner.token };
}

export async function getJob(
  ctx: CoordinatorContext,
  id: string,
  db: SqlExecutor = ctx.db,
): Promise<JobView> {
  const [row] = await db.query<JobRow>(`${JOB_SELECT} WHERE j.id = $1`, [id]);
  if (!row) {
    throw new NotFoundError(`No job with id ${id}`, {
      metaMessages: ['Check the link, or list jobs at /jobs.'],
    });
  }
  const tiles = await db.query<TileRow>(
    `SELECT ${TILE_COLUMNS} FROM tiles WHERE job_id = $1 ORDER BY tile_index`,
    [id],
  );
  const payments = await jobPaymentViews(db, [row]);
  return { ...toJobSummary(row, payments), tiles: tiles.map(toTileView) };
}

/** A job without its tiles (`tiles: []`): one row and its payment, for a caller that reads tiles itself. */
export async function getJobSummary(ctx: CoordinatorContext, id: string): Promise<JobView> {
  const [row] = await ctx.db.query<JobRow>(`${JOB_SELECT} WHERE j.id = $1`, [id]);
  if (!row)
    throw new NotFoundError(`No job with id ${id}`, {
      metaMessages: ['Check the link, or list jobs at /jobs.'],
    });
  const payments = await jobPaymentViews(ctx.db, [row]);
  return { ...toJobSummary(row, payments), tiles: [] };
}

/**
 * The job's tiles whose view changed after change number `since` (migration 12: every change to a tile's
 * samples or checks takes the next number), and the highest number among them (`since` when none did).
 */
export async function tilesChangedSince(
  ctx: CoordinatorContext,
  id: string,
  since: number,
): Promise<{ tiles: TileProgress[]; last: number }> {
  const rows = await ctx.db.query<TileRow & { change_seq: string | number }>(
    `SELECT ${TILE_COLUMNS}, change_seq FROM tiles WHERE job_id = $1 AND change_seq > $2 ORDER BY tile_index`,
    [id, since],
  );
  const last = rows.reduce((max, row) => Math.max(max, Number(row.change_seq)), since);
  return { tiles: rows.map(toTileView), last };
}

/** The newest change number among the job's tiles (0 before any changed). */
export async function lastTileChange(ctx: CoordinatorContext, id: string): Promise<number> {
  const [row] = await ctx.db.query<{ last: string | number | null }>(
    'SELECT max(change_seq) AS last FROM tiles WHERE job_id = $1',
    [id],
  );
  return Number(row?.last ?? 0);
}

interface TileRow {
  tile_index: number;
  frame: number | null;
  x: number;
  y: number;
  width: number;
  height: number;
  samples_done: number;
  checks_passed: number;
  checks_failed: number;
  units_rejected: number;
}

const TILE_COLUMNS =
  'tile_index, frame, x, y, width, height, samples_done, checks_passed, checks_failed, units_rejected';

function toTileView(t: TileRow): TileProgress {
  return {
    index: t.tile_index,
    x: t.x,
    y: t.y,
    width: t.width,
    height: t.height,
    samplesDone: t.samples_done,
    checksPassed: t.checks_passed,
    checksFailed: t.checks_failed,
    unitsRejected: t.units_rejected,
    ...(t.frame !== null ? { frame: t.frame } : {}),
  };
}

/** Listed (not private) jobs, newest first, without per-tile detail (the list does not need it). */
export async function listJobs(ctx: CoordinatorContext, limit = 50): Promise<JobView[]> {
  const rows = await ctx.db.query<JobRow>(
    `${JOB_SELECT} WHERE NOT j.private ORDER BY j.created_at DESC, j.id LIMIT $1`,
    [limit],
  );
  const payments = await jobPaymentViews(ctx.db, rows);
  return rows.map((row) => ({ ...toJobSummary(row, payments), tiles: [] }));
}

/** One owner's jobs, private ones too, newest first (the dashboard's 'My jobs'). */
export async function listOwnerJobs(
  ctx: CoordinatorContext,
  ownerHash: string,
  limit = 50,
): Promise<JobView[]> {
  const rows = await ctx.db.query<JobRow>(
    `${JOB_SELECT} WHERE j.owner_hash = $1 ORDER BY j.created_at DESC, j.id LIMIT $2`,
    [ownerHash, limit],
  );
  const payments = await jobPaymentViews(ctx.db, rows);
  return rows.map((row) => ({ ...toJobSummary(row, payments), tiles: [] }));
}

function toJobSummary(row: JobRow, payments: Map<string, JobPaymentView>): Omit<JobView, 'tiles'> {
  return {
    id: row.id,
    status: row.status,
    spec: row.spec,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    unitsTotal: row.units_total,
    unitsDone: row.units_done,
    pixelSamplesTotal: row.pixel_samples_total,
    pixelSamplesDone: row.pixel_samples_done,
    version: row.version,
    verification: verificationOf(row),
    payment: payments.get(row.id) ?? null,
    private: row.private,
    priority: row.priority,
  };
}

function verificationOf(row: JobRow): JobVerification {
  const confidence = row.spec.confidence ?? CONFIDENCE_LIMITS.default;
  const checkPixelSamples = Number(row.check_pixel_samples);
  const done = Number(row.pixel_samples_done);
  return {
    confidence,
    pixelsPerCheck: pixelsPerCheck(confidence, row.spec.tileSize * row.spec.tileSize),
    unitsVerifying: row.units_verifying,
    unitsRejected: row.units_rejected,
    checkPixelSamples,
    overhead: done > 0 ? checkPixelSamples / done : 0,
    redundancy: row.spec.redundancy ?? 'spot-checks',
  };
}

/**
 * Every frame of an animation is an image's worth of tile rows, written when the job is created and read by
 * every view of it: frames x tiles per frame is bounded (ANIMATION_LIMITS.maxTiles).
 */
function refuseTooManyTiles(spec: JobSpec): void {
  const tiles = tilesPerFrame(spec) * frameCount(spec);
  if (tiles <= ANIMATION_LIMITS.maxTiles) return;
  throw new InvalidRequestError(
    `This animation would have ${tiles} tiles (${frameCount(spec)} frames × ${tilesPerFrame(spec)} tiles each); the limit is ${ANIMATION_LIMITS.maxTiles}`,
    { metaMessages: ['Render fewer frames per job, lower the resolution, or raise tileSize.'] },
  );
}

/** A fixed-size unit goes to any device that asks, however slow: it must fit in a lease. */
function refuseOversizedUnits(spec: JobSpec): void {
  const perUnit = spec.tileSize * spec.tileSize * spec.samplesPerUnit;
  if (perUnit <= JOB_SIZE_LIMITS.maxFixedUnitPixelSamples) return;
  throw new InvalidRequestError(
    `Each work unit would be ${perUnit} pixel-samples (${spec.tileSize}² pixels × ${spec.samplesPerUnit} samples); the limit is ${JOB_SIZE_LIMITS.maxFixedUnitPixelSamples}`,
    {
      metaMessages: [
        'Leave samplesPerUnit out so that units are sized to each GPU, or lower samplesPerUnit or tileSize.',
      ],
    },
  );
}

/**
 * An unpaid job spends volunteers' GPUs for nothing in return, so it is bounded: in size, in how many one
 * origin may have rendering at once, and in how many the coordinator runs at once. A paid job is bounded
 * by its deposit instead.
 */
async function refuseFreeJobBeyondLimits(
  ctx: CoordinatorContext,
  spec: JobSpec,
  origin: string | null,
): Promise<void> {
  // Every frame's: an animation of a thousand small frames costs what a still of their area does.
  const pixelSamples = jobPixelSamples(spec);
  if (pixelSamples > JOB_SIZE_LIMITS.maxFreePixelSamples) {
    throw new InvalidRequestError(
      `An unpaid job may render at most ${JOB_SIZE_LIMITS.maxFreePixelSamples} pixel-samples; this one asks for ${pixelSamples}`,
      {
        metaMessages: [
          `Lower the resolution or samples per pixel${spec.frames ? ', render fewer frames' : ''}, or give the job a budget.`,
        ],
      },
    );
  }
  const [open] = await ctx.db.query<{ total: number | string; mine: number | string }>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE j.origin = $1) AS mine FROM jobs j
     WHERE j.status = 'rendering' AND NOT EXISTS (SELECT 1 FROM job_payments p WHERE p.job_id = j.id)`,
    [origin],
  );
  if (origin !== null && Number(open?.mine ?? 0) >= JOB_SIZE_LIMITS.maxOpenFreeJobsPerOrigin) {
    throw new RateLimitedError(
      `Your network already has ${JOB_SIZE_LIMITS.maxOpenFreeJobsPerOrigin} unpaid jobs rendering`,
      {
        retryAfterSeconds: 60,
        metaMessages: ['Wait for one of them to finish, or give this job a budget.'],
      },
    );
  }
  if (Number(open?.total ?? 0) >= JOB_SIZE_LIMITS.maxOpenFreeJobs) {
    throw new UnavailableError('This coordinator is rendering as many unpaid jobs as it takes', {
      metaMessages: ['Try again later, or give the job a budget.'],
    });
  }
}
