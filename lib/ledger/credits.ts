import type { Address } from 'viem';
import type { SqlExecutor } from '../coordinator/db/sql';

/**
 * The credit ledger: the only code that writes or reads the `credits` table (and its per-job totals) (docs/design.md, "The house").
 * One row per verified piece of work, in pixel-samples: a unit whose checks accepted it, or a check whose
 * re-render agreed with the final verdict. Rows are only ever added; settlement values them at each job's
 * price and pays them out cumulatively, so a row once written is owed for good.
 */

export type CreditKind = 'unit' | 'check';

export interface CreditEntry {
  sessionId: string;
  jobId: string;
  unitId: number;
  kind: CreditKind;
  pixelSamples: number;
}

/** Adds verified work to the ledger, in the caller's transaction (so it lands with the verdict or not at all). */
export async function recordCredits(
  tx: SqlExecutor,
  entries: CreditEntry[],
  now: number,
  maturesAfterMs = 0,
): Promise<void> {
  if (entries.length === 0) return;
  await tx.query(
    `INSERT INTO credits (session_id, job_id, unit_id, kind, pixel_samples, created_at, matures_at)
     SELECT e.session_id, e.job_id, e.unit_id, e.kind, e.pixel_samples, $6, $7
     FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[])
       AS e(session_id, job_id, unit_id, kind, pixel_samples)`,
    [
      entries.map((e) => e.sessionId),
      entries.map((e) => e.jobId),
      entries.map((e) => e.unitId),
      entries.map((e) => e.kind),
      entries.map((e) => e.pixelSamples),
      now,
      now + maturesAfterMs,
    ],
  );
  // The per-job running total, in the same transaction as the rows it sums.
  const byJob = new Map<string, number>();
  for (const e of entries) byJob.set(e.jobId, (byJob.get(e.jobId) ?? 0) + e.pixelSamples);
  await tx.query(
    `INSERT INTO job_credit_totals (job_id, pixel_samples)
     SELECT * FROM unnest($1::text[], $2::bigint[])
     ON CONFLICT (job_id) DO UPDATE SET pixel_samples = job_credit_totals.pixel_samples + EXCLUDED.pixel_samples`,
    [[...byJob.keys()], [...byJob.values()]],
  );
}

/** Pixel-samples credited to a session over all jobs. */
export async function sessionCredit(db: SqlExecutor, sessionId: string): Promise<number> {
  const [row] = await db.query<{ total: string | number | null }>(
    'SELECT sum(pixel_samples) AS total FROM credits WHERE session_id = $1',
    [sessionId],
  );
  return Number(row?.total ?? 0);
}

/** Units of a session that were accepted (credited), newest first: (unit, job, when). */
export async function acceptedUnitsOf(
  db: SqlExecutor,
  sessionId: string,
  limit: number,
): Promise<{ unitId: number; jobId: string; at: number }[]> {
  const rows = await db.query<{ unit_id: number; job_id: string; created_at: number }>(
    `SELECT unit_id, job_id, created_at FROM credits WHERE session_id = $1 AND kind = 'unit'
     ORDER BY created_at DESC, unit_id DESC LIMIT $2`,
    [sessionId, limit],
  );
  return rows.map((r) => ({ unitId: Number(r.unit_id), jobId: r.job_id, at: Number(r.created_at) }));
}

/** Pixel-samples credited per job, for the given jobs (a job with no credit is absent). */
export async function jobCredits(db: SqlExecutor, jobIds: string[]): Promise<Map<string, number>> {
  if (jobIds.length === 0) return new Map();
  const rows = await db.query<{ job_id: string; total: string | number }>(
    'SELECT job_id, pixel_samples AS total FROM job_credit_totals WHERE job_id = ANY ($1::text[])',
    [jobIds],
  );
  return new Map(rows.map((r) => [r.job_id, Number(r.total)]));
}

/** The id of the newest credit row (0 when none): a settlement includes every credit up to it. */
export async function creditWatermark(db: SqlExecutor): Promise<number> {
  const [row] = await db.query<{ watermark: string | number | null }>(
    'SELECT max(id) AS watermark FROM credits',
  );
  return Number(row?.watermark ?? 0);
}

/** Per job, credit rows whose session has no payout address yet (settlement waits for them before closing). */
export async function unboundCreditCounts(db: SqlExecutor, jobIds: string[]): Promise<Map<string, number>> {
  if (jobIds.length === 0) return new Map();
  const rows = await db.query<{ job_id: string; n: string | number }>(
    `SELECT c.job_id, count(*) AS n FROM credits c LEFT JOIN payout_addresses a ON a.session_id = c.session_id
     WHERE c.job_id = ANY ($1::text[]) AND a.session_id IS NULL GROUP BY c.job_id`,
    [jobIds],
  );
  return new Map(rows.map((r) => [r.job_id, Number(r.n)]));
}

/**
 * Per job and payout address, the wei owed for credits up to `watermark`: each credit valued at its job's
 * price, in ledger order, capped so that a job never owes more than its deposit (the credit that crosses the
 * cap is paid in part, later ones not at all).
 */
export async function allocationsByAddress(
  db: SqlExecutor,
  jobIds: string[],
  watermark: number,
  now: number,
): Promise<{ jobId: string; address: Address; amountWei: bigint }[]> {
  // Only settleable credit: matured (its audit window passed) and not forfeited. In order of maturity, so
  // that credit maturing later never changes what earlier credit was allocated under the deposit's cap.
  const rows = await db.query<{ job_id: string; address: Address; amount: string }>(
    `WITH valued AS (
       SELECT c.job_id, c.session_id, c.pixel_samples::numeric * p.price_wei AS value, p.deposited_wei AS cap,
         sum(c.pixel_samples::numeric * p.price_wei) OVER (PARTITION BY c.job_id ORDER BY c.matures_at, c.id)
           AS running
       FROM credits c JOIN job_payments p ON p.job_id = c.job_id
       WHERE c.job_id = ANY ($1::text[]) AND c.id <= $2 AND c.matures_at <= $3 AND c.forfeited_at IS NULL
     )
     SELECT v.job_id, a.address, sum(GREATEST(LEAST(v.value, v.cap - (v.running - v.value)), 0))::text AS amount
     FROM valued v JOIN payout_addresses a ON a.session_id = v.session_id
     GROUP BY v.job_id, a.address`,
    [jobIds, watermark, now],
  );
  return rows.map((r) => ({ jobId: r.job_id, address: r.address, amountWei: BigInt(r.amount) }));
}

/** An address's credit per job (pixel-samples, wei at the job's price, latest credit), newest first. */
export async function addressCreditsByJob(
  db: SqlExecutor,
  address: Address,
  limit: number,
): Promise<{ jobId: string; pixelSamples: string; creditedWei: string; at: string }[]> {
  const rows = await db.query<{ job_id: string; pixel_samples: string; credited_wei: string; at: string }>(
    `SELECT c.job_id, sum(c.pixel_samples)::text AS pixel_samples,
       sum(c.pixel_samples::numeric * p.price_wei)::text AS credited_wei, max(c.created_at)::text AS at
     FROM credits c JOIN payout_addresses a ON a.session_id = c.session_id
       JOIN job_payments p ON p.job_id = c.job_id
     WHERE a.address = $1 AND p.state <> 'held'
     GROUP BY c.job_id ORDER BY max(c.created_at) DESC LIMIT $2`,
    [address, limit],
  );
  return rows.map((r) => ({
    jobId: r.job_id,
    pixelSamples: r.pixel_samples,
    creditedWei: r.credited_wei,
    at: r.at,
  }));
}

/** Credit that never matures on its own: its unit waits on an audit (set back by creditsAudited). */
export const AWAITING_AUDIT = 9_000_000_000_000_000;

/** An audit found the unit honest: its credits (the unit's and its checks') mature as they would have. */
export async function creditsAudited(tx: SqlExecutor, unitId: number, maturesAt: number): Promise<void> {
  await tx.query(
    'UPDATE credits SET matures_at = $2 WHERE unit_id = $1 AND matures_at = $3 AND forfeited_at IS NULL',
    [unitId, maturesAt, AWAITING_AUDIT],
  );
}

/** Holds a unit's credits back until its audit (creditsAudited) or a conviction (forfeitCredits). */
export async function holdCreditsForAudit(tx: SqlExecutor, unitId: number, now: number): Promise<void> {
  await tx.query(
    'UPDATE credits SET matures_at = $2 WHERE unit_id = $1 AND matures_at > $3 AND forfeited_at IS NULL',
    [unitId, AWAITING_AUDIT, now],
  );
}

/**
 * Forfeits every credit of these sessions that has not matured yet (a trusted re-render proved them liars),
 * and takes it off their jobs' totals. Matured credit is owed for good and stays.
 */
export async function forfeitCredits(tx: SqlExecutor, sessionIds: string[], now: number): Promise<number> {
  if (sessionIds.length === 0) return 0;
  const rows = await tx.query<{ job_id: string; pixel_samples: string | number }>(
    `UPDATE credits SET forfeited_at = $2
     WHERE session_id = ANY ($1::text[]) AND forfeited_at IS NULL AND matures_at > $2
     RETURNING job_id, pixel_samples`,
    [sessionIds, now],
  );
  const byJob = new Map<string, number>();
  for (const r of rows) byJob.set(r.job_id, (byJob.get(r.job_id) ?? 0) + Number(r.pixel_samples));
  for (const [jobId, pixelSamples] of byJob) {
    await tx.query('UPDATE job_credit_totals SET pixel_samples = pixel_samples - $2 WHERE job_id = $1', [
      jobId,
      pixelSamples,
    ]);
  }
  return rows.length;
}

/** Per job, credits not matured yet and not forfeited: a job does not close while any may still be paid. */
export async function unmaturedCreditCounts(
  db: SqlExecutor,
  jobIds: string[],
  now: number,
): Promise<Map<string, number>> {
  if (jobIds.length === 0) return new Map();
  const rows = await db.query<{ job_id: string; n: string | number }>(
    `SELECT job_id, count(*) AS n FROM credits
     WHERE job_id = ANY ($1::text[]) AND matures_at > $2 AND forfeited_at IS NULL GROUP BY job_id`,
    [jobIds, now],
  );
  return new Map(rows.map((r) => [r.job_id, Number(r.n)]));
}
