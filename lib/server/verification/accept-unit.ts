import { RESULT_CHANNELS, resultByteLength } from '../../core/result-layout';
import type { SqlExecutor } from '../db/sql';
import type { TileRow, UnitRow } from './verify-unit';

/**
 * A verified result joins the image: its sums are added into the tile's float64 accumulator, the unit is done,
 * the job's progress moves, and the submitter is credited, all in the caller's transaction, so a result is
 * counted exactly once or not at all.
 */
export async function acceptUnit(
  tx: SqlExecutor,
  unit: Pick<UnitRow, 'id' | 'job_id' | 'tile_index' | 'sample_start' | 'sample_end'>,
  tile: TileRow,
  submitter: string,
  result: Uint8Array,
  now: number,
): Promise<void> {
  const values = new Float32Array(result.slice().buffer);
  if (values.length !== tile.width * tile.height * RESULT_CHANNELS) {
    throw new Error(`unit ${unit.id}: result of ${values.length} floats does not fit its tile`);
  }
  const [row] = await tx.query<{ sums: Uint8Array | null }>(
    'SELECT sums FROM tiles WHERE job_id = $1 AND tile_index = $2 FOR UPDATE',
    [unit.job_id, unit.tile_index],
  );
  const sums = row?.sums
    ? new Float64Array(row.sums.slice().buffer)
    : new Float64Array(resultByteLength(tile) / Float32Array.BYTES_PER_ELEMENT);
  for (let i = 0; i < values.length; i++) sums[i] = (sums[i] as number) + (values[i] as number);
  const samples = unit.sample_end - unit.sample_start;
  const pixelSamples = tile.width * tile.height * samples;

  await tx.query(
    'UPDATE tiles SET sums = $3, samples_done = samples_done + $4 WHERE job_id = $1 AND tile_index = $2',
    [unit.job_id, unit.tile_index, new Uint8Array(sums.buffer), samples],
  );
  await tx.query(`UPDATE units SET state = 'done', accepted_at = $2, result = NULL WHERE id = $1`, [
    unit.id,
    now,
  ]);
  await tx.query(
    `UPDATE jobs SET units_done = units_done + 1,
            pixel_samples_done = pixel_samples_done + $2,
            version = version + 1,
            status = CASE WHEN units_done + 1 = units_total THEN 'done' ELSE status END,
            completed_at = CASE WHEN units_done + 1 = units_total THEN $3 ELSE completed_at END
     WHERE id = $1`,
    [unit.job_id, pixelSamples, now],
  );
  await tx.query(
    `INSERT INTO credits (session_id, job_id, unit_id, kind, pixel_samples, created_at)
     VALUES ($1, $2, $3, 'unit', $4, $5)`,
    [submitter, unit.job_id, unit.id, pixelSamples, now],
  );
}
