import type { CoordinatorContext } from '../coordinator/context';
import type { SqlExecutor } from '../coordinator/db/sql';
import type { SubmitReceipt } from '../protocol/api-types';
import { InvalidRequestError, InvalidResultError, LeaseError } from '../protocol/errors';
import type { JobSpec } from '../protocol/job-spec';
import { CONFIDENCE_LIMITS, MAX_BATCHED_CHECKS, MAX_UNIT_PIXELS } from '../protocol/limits';
import { parseResult, resultByteLength } from '../protocol/result-layout';
import {
  type ContributorRow,
  getContributor,
  recordSubmissionTiming,
} from '../verification/contributor-records';
import { pixelsPerCheck } from '../verification/policy';
import {
  beginVerification,
  type CheckRow,
  settleCheck,
  type TileRow,
  UNIT_COLUMNS_LEAN,
  type UnitRow,
} from '../verification/verify-unit';
import { applyConvictions, applyVerdict } from './apply-verdict';
import { nextSpeed } from './carve';

/** The largest result a lease has: the largest unit's, and the most checks a lease may carry with it. */
export const MAX_LEASE_RESULT_BYTES = resultByteLength({
  width: MAX_UNIT_PIXELS + MAX_BATCHED_CHECKS * pixelsPerCheck(CONFIDENCE_LIMITS.max, MAX_UNIT_PIXELS),
  height: 1,
});

export interface SubmitResultParameters {
  leaseId: string;
  sessionId: string;
  body: Uint8Array;
}

const notHeld = () =>
  // A lease id nobody holds, or one issued to another session: the same answer for both, so the response
  // tells a prober nothing about other sessions' leases.
  new LeaseError('This lease is not held by your session', {
    metaMessages: ['It may have expired and gone to another contributor. Ask for new work.'],
  });

const beaten = () =>
  new LeaseError('Another contributor finished this unit first', {
    metaMessages: ['It was re-issued to a faster device near the end of its job. Ask for new work.'],
  });

const expired = () =>
  new LeaseError('This lease expired before the result arrived', {
    metaMessages: ['The unit was or will be given to another contributor. Ask for new work.'],
  });

async function jobProgress(tx: SqlExecutor, jobId: string): Promise<SubmitReceipt['job']> {
  const [row] = await tx.query<{ status: 'rendering' | 'done'; units_done: number; units_total: number }>(
    'SELECT status, units_done, units_total FROM jobs WHERE id = $1',
    [jobId],
  );
  if (!row) throw new Error(`missing job ${jobId}`);
  return { id: jobId, status: row.status, unitsDone: row.units_done, unitsTotal: row.units_total };
}

/**
 * Takes a contributor's result for a lease: a unit (the result goes into verification; it reaches the image
 * only once its spot checks agree) or a spot check (the re-render is compared with the submission it checks,
 * which may decide that submission). The lease must be held by this session and unexpired, and the bytes
 * must be an exact, finite result for what was asked. Each submission is one transaction; re-sending an
 * already accepted result is harmless (idempotent).
 */
export async function submitResult(
  ctx: CoordinatorContext,
  params: SubmitResultParameters,
): Promise<SubmitReceipt> {
  if (!params.sessionId) {
    throw new InvalidRequestError('The result has no session', {
      metaMessages: ['Send the session id that took the lease in the x-lumengrid-session header.'],
    });
  }
  const now = ctx.now();
  const { receipt, changed } = await ctx.db.transaction(async (tx) => {
    const [unit] = await tx.query<UnitRow>(
      `SELECT ${UNIT_COLUMNS_LEAN} FROM units WHERE lease_id = $1 FOR UPDATE`,
      [params.leaseId],
    );
    // The checks batched into this lease (Lease.checks), in the order of their results.
    const checks = await tx.query<CheckRow & { lease_id: string }>(
      `SELECT id, unit_id, job_id, submission, pixels, state, session_id, lease_expires_at, leased_at, kind
       FROM checks WHERE lease_id = $1 ORDER BY id FOR UPDATE`,
      [params.leaseId],
    );
    if (!unit && checks.length === 0) throw notHeld();
    // A lease that lapsed may have lost some of its checks to other devices: its layout is gone with it.
    const rows = [...(unit ? [unit] : []), ...checks];
    if (
      rows.some((r) => r.session_id === params.sessionId && r.state === 'leased') &&
      rows.some((r) => r.state === 'leased' && Number(r.lease_expires_at ?? 0) <= now)
    ) {
      throw expired();
    }
    const parts = splitLeaseResult(params.body, [
      ...(unit ? [resultByteLength(unit)] : []),
      ...checks.map((c) => resultByteLength({ width: c.pixels.length, height: 1 })),
    ]);
    const receipts: SubmitReceipt[] = [];
    let timed: { pixelSamples: number; leasedAt: number } | null = null;
    const time = (pixelSamples: number, leasedAt: number | null | undefined) => {
      if (leasedAt === null || leasedAt === undefined) return;
      timed = { pixelSamples: (timed?.pixelSamples ?? 0) + pixelSamples, leasedAt: Number(leasedAt) };
    };
    if (unit) {
      const part = { ...params, body: parts[0] as Uint8Array };
      const done = await submitUnit(tx, unit, part, now, time).catch((error: unknown) => {
        // A straggler's unit that another device finished first: with checks in the same lease, those
        // still count (the unit itself is simply void); alone, the contributor is told.
        if (checks.length > 0 && error instanceof LeaseError && error.message === beaten().message)
          return null;
        throw error;
      });
      if (done) receipts.push(done);
    }
    for (const [i, check] of checks.entries()) {
      const part = { ...params, body: parts[i + (unit ? 1 : 0)] as Uint8Array };
      receipts.push(await submitCheck(tx, check, part, now, time));
    }
    if (timed) {
      const who = await getContributor(tx, params.sessionId);
      const { pixelSamples, leasedAt } = timed;
      if (who) await timeSubmission(tx, who, pixelSamples, leasedAt, now);
    }
    const first = receipts[0] as SubmitReceipt;
    const changed = new Set(receipts.filter((r) => !r.duplicate).map((r) => r.job.id));
    return { receipt: { ...first, duplicate: changed.size === 0 }, changed };
  });
  // Every job this submission moved (a batched check may belong to another job than the unit).
  for (const jobId of changed) ctx.onJobChanged(jobId);
  return receipt;
}

/** The parts of a lease's result (its unit's, then each batched check's), or why the bytes do not fit. */
function splitLeaseResult(body: Uint8Array, lengths: number[]): Uint8Array[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  if (lengths.length > 1 && body.byteLength !== total) {
    throw new InvalidResultError(
      `Result is ${body.byteLength} bytes; this lease's ${lengths.length} results are ${total} bytes together`,
      { metaMessages: ['Send the task’s result followed by each batched check’s, in the lease’s order.'] },
    );
  }
  // One part: its own size check (parseResult) says what is wrong with it.
  if (lengths.length === 1) return [body];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const length of lengths) {
    parts.push(body.subarray(offset, offset + length));
    offset += length;
  }
  return parts;
}

/** Notes work of this lease for the coordinator's timing of the device (one measure per lease). */
type TimeWork = (pixelSamples: number, leasedAt: number | null | undefined) => void;

async function submitUnit(
  tx: SqlExecutor,
  unit: UnitRow,
  params: SubmitResultParameters,
  now: number,
  time: TimeWork,
): Promise<SubmitReceipt> {
  if (unit.session_id !== params.sessionId) throw notHeld();
  if (unit.state === 'verifying' || unit.state === 'done') {
    return { accepted: true, duplicate: true, job: await jobProgress(tx, unit.job_id) };
  }
  if (unit.state === 'void') throw beaten();
  if (unit.state !== 'leased' || Number(unit.lease_expires_at ?? 0) <= now) throw expired();

  const [row] = await tx.query<{ spec: JobSpec }>('SELECT spec FROM jobs WHERE id = $1', [unit.job_id]);
  if (!row) throw new Error(`unit ${unit.id} points at a missing job`);
  const region: TileRow = {
    index: unit.tile_index,
    x: unit.x,
    y: unit.y,
    width: unit.width,
    height: unit.height,
  };
  parseResult(params.body, region, unit.sample_end - unit.sample_start);
  const submitter = await getContributor(tx, params.sessionId);
  if (!submitter) throw notHeld();
  time(unitPixelSamples(unit), unit.leased_at);
  // A straggler's unit and its backup copy render the same bits: the first one verified counts, and voids
  // the other (lib/work/apply-verdict.ts). One already done makes this one late.
  const [done] = await tx.query<{ id: number }>(
    `SELECT id FROM units WHERE id <> $1 AND (id = $2 OR backup_of = $3) AND state = 'done' LIMIT 1`,
    [unit.id, unit.backup_of ?? -1, unit.backup_of ?? unit.id],
  );
  if (done) throw beaten();
  await beginVerification(tx, unit, region, row.spec, submitter, params.body, now);
  await tx.query('UPDATE jobs SET version = version + 1 WHERE id = $1', [unit.job_id]);
  return { accepted: true, duplicate: false, job: await jobProgress(tx, unit.job_id) };
}

/** Pixel-samples a unit holds. */
function unitPixelSamples(unit: Pick<UnitRow, 'width' | 'height' | 'sample_start' | 'sample_end'>): number {
  return unit.width * unit.height * (unit.sample_end - unit.sample_start);
}

/** The coordinator's own timing of a session's work, which sizes its next units (lib/work/carve.ts). */
async function timeSubmission(
  tx: SqlExecutor,
  who: ContributorRow,
  pixelSamples: number,
  leasedAt: number,
  now: number,
): Promise<void> {
  const speed = nextSpeed(who.speed, { pixelSamples, leasedAt }, who.lastSubmitAt, now);
  await recordSubmissionTiming(tx, who.sessionId, speed, pixelSamples, now);
}

async function submitCheck(
  tx: SqlExecutor,
  check: CheckRow,
  params: SubmitResultParameters,
  now: number,
  time: TimeWork,
): Promise<SubmitReceipt> {
  if (check.session_id !== params.sessionId) throw notHeld();
  if (check.state === 'done' || check.state === 'void') {
    return { accepted: true, duplicate: true, job: await jobProgress(tx, check.job_id) };
  }
  if (check.state !== 'leased' || Number(check.lease_expires_at ?? 0) <= now) throw expired();
  const [unit] = await tx.query<{ sample_start: number; sample_end: number }>(
    'SELECT sample_start, sample_end FROM units WHERE id = $1',
    [check.unit_id],
  );
  if (!unit) throw new Error(`check ${check.id} points at a missing unit`);
  time(check.pixels.length * (unit.sample_end - unit.sample_start), check.leased_at);
  const values = parseResult(
    params.body,
    { x: 0, y: 0, width: check.pixels.length, height: 1 },
    unit.sample_end - unit.sample_start,
  );
  const { decided, convicted } = await settleCheck(tx, check, params.sessionId, values, now);
  for (const verdict of decided) await applyVerdict(tx, verdict, now);
  await applyConvictions(tx, convicted, now);
  return { accepted: true, duplicate: false, job: await jobProgress(tx, check.job_id) };
}
