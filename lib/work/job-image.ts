import { encode } from 'fast-png';
import type { CoordinatorContext } from '../coordinator/context';
import { RESULT_CHANNELS } from '../protocol/result-layout';
import { encodePfm } from '../render/pfm';
import { toneMapAccumulation } from '../render/tonemap';
import { getJob } from './jobs';

export interface Accumulation {
  width: number;
  height: number;
  /** float64, RESULT_CHANNELS per pixel, row-major over the whole image. */
  sums: Float64Array<ArrayBuffer>;
}

/** Assembles the per-tile accumulators into one image-sized buffer. */
export async function readAccumulation(ctx: CoordinatorContext, jobId: string): Promise<Accumulation> {
  const job = await getJob(ctx, jobId);
  const { width, height } = job.spec;
  const sums = new Float64Array(width * height * RESULT_CHANNELS);
  const tiles = await ctx.db.query<{ x: number; y: number; width: number; height: number; sums: Uint8Array }>(
    'SELECT x, y, width, height, sums FROM tiles WHERE job_id = $1 AND sums IS NOT NULL',
    [jobId],
  );
  for (const tile of tiles) {
    const tileSums = new Float64Array(tile.sums.slice().buffer);
    const rowLength = tile.width * RESULT_CHANNELS;
    for (let row = 0; row < tile.height; row++) {
      const from = row * rowLength;
      sums.set(
        tileSums.subarray(from, from + rowLength),
        ((tile.y + row) * width + tile.x) * RESULT_CHANNELS,
      );
    }
  }
  return { width, height, sums };
}

export async function renderJobPng(ctx: CoordinatorContext, jobId: string): Promise<Uint8Array> {
  const { width, height, sums } = await readAccumulation(ctx, jobId);
  return encode({ width, height, data: toneMapAccumulation(sums, width * height), channels: 4 });
}

export async function renderJobPfm(ctx: CoordinatorContext, jobId: string): Promise<Uint8Array> {
  const { width, height, sums } = await readAccumulation(ctx, jobId);
  return encodePfm(sums, width, height);
}
