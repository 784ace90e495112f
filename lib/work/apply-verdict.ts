import type { SqlExecutor } from '../coordinator/db/sql';
import { type CreditEntry, forfeitCredits, recordCredits } from '../ledger/credits';
import { RESULT_CHANNELS, resultByteLength } from '../protocol/result-layout';
import type { SubmissionVerdict, TileRow, UnitRow } from '../verification/verify-unit';
import { recordProgress } from './job-progress-history';

/** Right checks of one submission that are credited (probation's three, and an audit). */
const MAX_CREDITED_CHECKS = 4;

/**
 * Applies verification's verdict on a submission, in the caller's transaction: the checks that matched the
 * verdict are credited (honest check work is work); an accepted result joins the image and its submitter is
 * credited; a rejected one is dropped and its unit re-issued, never to the same session.
 */
export async function applyVerdict(tx: SqlExecutor, decided: SubmissionVerdict, now: number): Promise<void> {
  const { unit, tile, accepted } = decided;
  if (decided.undo) {
    // An accepted unit a trusted verifier proved fake: out of the image, and rendered again by someone else.
    await takeBackUnit(tx, unit, tile);
    await reissueUnit(tx, unit, unit.submitted_by ?? '', now);
    return;
  }
  const samples = unit.sample_end - unit.sample_start;
  // Check work is paid when it was right, and only as much of it as verification budgets for a unit: a
  // submission that drags on through many rounds does not turn the deposit into check credit.
  const credits: CreditEntry[] = decided.checks
    .filter((c) => c.right)
    .slice(0, MAX_CREDITED_CHECKS)
    .map((c) => ({
      sessionId: c.sessionId,
      jobId: unit.job_id,
      unitId: unit.id,
      kind: 'check',
      pixelSamples: c.pixels * samples,
    }));
  const submitter = unit.submitted_by ?? '';
  if (accepted) {
    if (await settleCopies(tx, unit)) {
      const [row] = await tx.query<{ result: Uint8Array | null }>('SELECT result FROM units WHERE id = $1', [
        unit.id,
      ]);
      if (!row?.result) throw new Error(`unit ${unit.id} is verifying without a result`);
      const pixelSamples = await acceptUnit(tx, unit, tile, row.result, now, decided.keepResult);
      credits.push({ sessionId: submitter, jobId: unit.job_id, unitId: unit.id, kind: 'unit', pixelSamples });
    }
  } else {
    await reissueUnit(tx, unit, submitter, now);
  }
  await recordCredits(tx, credits, now, decided.maturesAt - now);
}

/** Sessions a trusted re-render proved liars: their credit that has not matured is forfeited. */
export async function applyConvictions(tx: SqlExecutor, convicted: string[], now: number): Promise<void> {
  await forfeitCredits(tx, convicted, now);
}

/**
 * Takes an accepted unit's result back out of its tiles' sums (it is kept through the audit window for
 * this) and the job's progress: the inverse of acceptUnit.
 */
async function takeBackUnit(tx: SqlExecutor, unit: UnitRow, tile: TileRow): Promise<void> {
  const [row] = await tx.query<{ result: Uint8Array | null }>('SELECT result FROM units WHERE id = $1', [
    unit.id,
  ]);
  if (!row?.result) throw new Error(`unit ${unit.id} was accepted without a kept result`);
  const values = new Float32Array(row.result.slice().buffer);
  const samples = unit.sample_end - unit.sample_start;
  await addToTiles(tx, unit, tile, values, -1, -samples);
  await tx.query(
    `UPDATE jobs SET units_done = units_done - 1, pixel_samples_done = pixel_samples_done - $2,
       version = version + 1, status = CASE WHEN status = 'done' THEN 'rendering' ELSE status END,
       -- a cancelled job keeps when it ended (settlement closes it some time after)
       completed_at = CASE WHEN status = 'cancelled' THEN completed_at END
     WHERE id = $1`,
    [unit.job_id, tile.width * tile.height * samples],
  );
}

/**
 * A straggler's unit and its backup copies render the same pixels and samples: the first one verified joins
 * the image and voids the others (their open checks too); a copy verified after another is void itself, so
 * nothing is counted twice. Copies are locked in id order (no deadlock between two verdicts). Returns
 * whether this copy is the one that counts.
 */
async function settleCopies(tx: SqlExecutor, unit: UnitRow): Promise<boolean> {
  const original = unit.backup_of ?? unit.id;
  const copies = await tx.query<{ id: number; state: string }>(
    'SELECT id, state FROM units WHERE id = $1 OR backup_of = $1 ORDER BY id FOR UPDATE',
    [original],
  );
  const others = copies.filter((c) => Number(c.id) !== unit.id);
  if (others.length === 0) return true;
  if (others.some((c) => c.state === 'done')) {
    await tx.query(`UPDATE units SET state = 'void', result = NULL WHERE id = $1`, [unit.id]);
    return false;
  }
  const open = others.filter((c) => c.state === 'leased' || c.state === 'verifying').map((c) => Number(c.id));
  // A void copy keeps its lease id, so that its holder is told another contributor finished first.
  await tx.query(`UPDATE units SET state = 'void', result = NULL WHERE id = ANY ($1::bigint[])`, [open]);
  await tx.query(
    `UPDATE checks SET state = 'void' WHERE unit_id = ANY ($1::bigint[]) AND state IN ('pending', 'leased')`,
    [open],
  );
  return true;
}

/** A rejected unit is pending again, for anyone but the sessions that already failed it. */
async function reissueUnit(tx: SqlExecutor, unit: UnitRow, submitter: string, now: number): Promise<void> {
  await tx.query(
    `UPDATE units SET state = 'pending', result = NULL, submitted_by = NULL, submitted_at = NULL,
       lease_id = NULL, session_id = NULL, lease_expires_at = NULL, backup_of = NULL, open_since = $3,
       rejected_sessions = array_append(rejected_sessions, $2)
     WHERE id = $1`,
    [unit.id, submitter, now],
  );
  await tx.query(
    'UPDATE tiles SET units_rejected = units_rejected + 1 WHERE job_id = $1 AND tile_index = $2',
    [unit.job_id, unit.tile_index],
  );
  await tx.query('UPDATE jobs SET units_rejected = units_rejected + 1, version = version + 1 WHERE id = $1', [
    unit.job_id,
  ]);
}

/**
 * A verified result joins the image: its sums are added into the tile's float64 accumulator, the unit is done
 * and the job's progress moves, all in the caller's transaction, so a result is counted exactly once or not at
 * all. Returns the pixel-samples it added.
 */
async function acceptUnit(
  tx: SqlExecutor,
  unit: Pick<UnitRow, 'id' | 'job_id' | 'sample_start' | 'sample_end' | 'frame'>,
  tile: TileRow,
  result: Uint8Array,
  now: number,
  /** Keep the result on the unit (through the audit window, to take it back if it proves fake). */
  keepResult = false,
): Promise<number> {
  const values = new Float32Array(result.slice().buffer);
  if (values.length !== tile.width * tile.height * RESULT_CHANNELS) {
    throw new Error(`unit ${unit.id}: result of ${values.length} floats does not fit its region`);
  }
  const samples = unit.sample_end - unit.sample_start;
  const pixelSamples = tile.width * tile.height * samples;
  await addToTiles(tx, unit, tile, values, 1, samples);
  await tx.query(
    `UPDATE units SET state = 'done', accepted_at = $2, result = CASE WHEN $3::boolean THEN result END WHERE id = $1`,
    [unit.id, now, keepResult],
  );
  await tx.query(
    `UPDATE jobs SET units_done = units_done + 1,
            pixel_samples_done = pixel_samples_done + $2,
            version = version + 1,
            -- done when every pixel has all its samples (units are carved as devices ask: no fixed count);
            -- a cancelled job stays cancelled (it still takes the work leased before it was cancelled)
            status = CASE WHEN status <> 'cancelled' AND pixel_samples_done + $2 >= pixel_samples_total
                          THEN 'done' ELSE status END,
            completed_at = CASE WHEN status <> 'cancelled' AND pixel_samples_done + $2 >= pixel_samples_total
                                THEN $3 ELSE completed_at END
     WHERE id = $1`,
    [unit.job_id, pixelSamples, now],
  );
  await recordProgress(tx, unit.job_id, now);
  return pixelSamples;
}

/**
 * Adds `sign` x a unit's result into its tiles' float64 sums and `samples` to their sample counts. The unit's
 * region is a rectangle of whole tiles: each tile's rows of the result join its own sums.
 */
async function addToTiles(
  tx: SqlExecutor,
  unit: Pick<UnitRow, 'job_id' | 'frame'>,
  tile: TileRow,
  values: Float32Array,
  sign: 1 | -1,
  samples: number,
): Promise<void> {
  const tiles = await tx.query<{
    tile_index: number;
    x: number;
    y: number;
    width: number;
    height: number;
    sums: Uint8Array | null;
  }>(
    // (Every frame of an animation has tiles at these coordinates: the unit's frame's are its own.)
    `SELECT tile_index, x, y, width, height, sums FROM tiles
     WHERE job_id = $1 AND x >= $2 AND x < $2 + $4 AND y >= $3 AND y < $3 + $5 AND frame IS NOT DISTINCT FROM $6::int
     ORDER BY tile_index FOR UPDATE`,
    [unit.job_id, tile.x, tile.y, tile.width, tile.height, unit.frame],
  );
  for (const t of tiles) {
    const sums = t.sums
      ? new Float64Array(t.sums.slice().buffer)
      : new Float64Array(resultByteLength(t) / Float32Array.BYTES_PER_ELEMENT);
    const rowFloats = t.width * RESULT_CHANNELS;
    for (let row = 0; row < t.height; row++) {
      const from = ((t.y - tile.y + row) * tile.width + (t.x - tile.x)) * RESULT_CHANNELS;
      const to = row * rowFloats;
      for (let i = 0; i < rowFloats; i++)
        sums[to + i] = (sums[to + i] as number) + sign * (values[from + i] as number);
    }
    await tx.query(
      'UPDATE tiles SET sums = $3, samples_done = samples_done + $4 WHERE job_id = $1 AND tile_index = $2',
      [unit.job_id, t.tile_index, new Uint8Array(sums.buffer), samples],
    );
  }
}
