import type { SubmitReceipt } from '../core/api-types';
import { InvalidRequestError, LeaseError } from '../core/errors';
import { parseResult, resultByteLength } from '../core/result-layout';
import type { CoordinatorContext } from './context';

export interface SubmitResultParameters {
  leaseId: string;
  sessionId: string;
  body: Uint8Array;
}

/**
 * Accepts a unit's result: the lease must be held by this session and unexpired, and the bytes must be an
 * exact, finite result for the unit. The sums are added into the tile's accumulator, and the unit marked
 * done, in one transaction: a result is counted exactly once or not at all. Re-sending an accepted result
 * is harmless (idempotent).
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
  const receipt = await ctx.db.transaction(async (tx) => {
    const [unit] = await tx.query<{
      id: number;
      job_id: string;
      tile_index: number;
      sample_start: number;
      sample_end: number;
      state: string;
      session_id: string | null;
      lease_expires_at: number | null;
    }>(
      `SELECT id, job_id, tile_index, sample_start, sample_end, state, session_id, lease_expires_at
       FROM units WHERE lease_id = $1 FOR UPDATE`,
      [params.leaseId],
    );
    if (!unit || unit.session_id !== params.sessionId) {
      // A lease id nobody holds, or one issued to another session: the same answer for both, so the
      // response tells a prober nothing about other sessions' leases.
      throw new LeaseError('This lease is not held by your session', {
        metaMessages: ['It may have expired and gone to another contributor. Ask for new work.'],
      });
    }
    const job = async () => {
      const [row] = await tx.query<{ status: 'rendering' | 'done'; units_done: number; units_total: number }>(
        'SELECT status, units_done, units_total FROM jobs WHERE id = $1',
        [unit.job_id],
      );
      if (!row) throw new Error(`unit ${unit.id} points at a missing job`);
      return { id: unit.job_id, status: row.status, unitsDone: row.units_done, unitsTotal: row.units_total };
    };
    if (unit.state === 'done') return { accepted: true as const, duplicate: true, job: await job() };
    if (unit.state !== 'leased' || (unit.lease_expires_at ?? 0) <= now) {
      throw new LeaseError('This lease expired before the result arrived', {
        metaMessages: ['The unit was or will be given to another contributor. Ask for new work.'],
      });
    }

    const [tile] = await tx.query<{
      x: number;
      y: number;
      width: number;
      height: number;
      sums: Uint8Array | null;
    }>('SELECT x, y, width, height, sums FROM tiles WHERE job_id = $1 AND tile_index = $2 FOR UPDATE', [
      unit.job_id,
      unit.tile_index,
    ]);
    if (!tile) throw new Error(`unit ${unit.id} points at a missing tile`);
    const samples = unit.sample_end - unit.sample_start;
    const values = parseResult(params.body, tile, samples);

    const sums = tile.sums
      ? new Float64Array(tile.sums.slice().buffer)
      : new Float64Array(resultByteLength(tile) / Float32Array.BYTES_PER_ELEMENT);
    for (let i = 0; i < values.length; i++) sums[i] = (sums[i] as number) + (values[i] as number);

    await tx.query(
      'UPDATE tiles SET sums = $3, samples_done = samples_done + $4 WHERE job_id = $1 AND tile_index = $2',
      [unit.job_id, unit.tile_index, new Uint8Array(sums.buffer), samples],
    );
    await tx.query(`UPDATE units SET state = 'done', accepted_at = $2 WHERE id = $1`, [unit.id, now]);
    await tx.query(
      `UPDATE jobs SET units_done = units_done + 1,
              pixel_samples_done = pixel_samples_done + $2,
              version = version + 1,
              status = CASE WHEN units_done + 1 = units_total THEN 'done' ELSE status END,
              completed_at = CASE WHEN units_done + 1 = units_total THEN $3 ELSE completed_at END
       WHERE id = $1`,
      [unit.job_id, tile.width * tile.height * samples, now],
    );
    return { accepted: true as const, duplicate: false, job: await job() };
  });
  if (!receipt.duplicate) ctx.onJobChanged(receipt.job.id);
  return receipt;
}
