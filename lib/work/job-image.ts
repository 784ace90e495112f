import { Readable } from 'node:stream';
import { crc32, createDeflate } from 'node:zlib';
import { encode } from 'fast-png';
import type { CoordinatorContext } from '../coordinator/context';
import { NotFoundError } from '../protocol/errors';
import type { JobSpec } from '../protocol/job-spec';
import { RESULT_CHANNELS } from '../protocol/result-layout';
import { tilesPerFrame } from '../protocol/tiles';
import { exrBlocks, exrHeader } from '../render/exr';
import { pfmHeader, pfmRows } from '../render/pfm';
import { toneMapAccumulation } from '../render/tonemap';

/**
 * A job's images, built from its tiles' accumulators a band at a time (a band is one row of tiles), so that
 * what one request holds is O(width × tileSize) whatever the image's height: the PNG and PFM are streamed
 * band by band, the raw sums too, and previews are averaged down from the bands without the full image.
 */

export interface Accumulation {
  width: number;
  height: number;
  /** float64, RESULT_CHANNELS per pixel, row-major over the whole image. */
  sums: Float64Array<ArrayBuffer>;
}

/** What an image build needs of its job: the geometry and the version its ETag names. */
export interface ImageJob {
  id: string;
  width: number;
  height: number;
  tileSize: number;
  version: number;
  /** An animation's frame this image is; null for a still. */
  frame: number | null;
  /** The frame's first tile row (its tiles are numbered on from there); 0 for a still. */
  tileBase: number;
}

/** One band of the image: rows [y, y + height), full width, RESULT_CHANNELS float64 per pixel. */
export interface Band {
  y: number;
  height: number;
  sums: Float64Array<ArrayBuffer>;
}

/**
 * One row of the jobs table, without its tiles: reading a job's 4,096 tile rows is not needed here. `frame`
 * names one frame of an animation; absent, an animation's image is its first frame (a still's is itself).
 */
export async function imageJob(ctx: CoordinatorContext, jobId: string, frame?: number): Promise<ImageJob> {
  const [row] = await ctx.db.query<{ spec: JobSpec; version: number }>(
    'SELECT spec, version FROM jobs WHERE id = $1',
    [jobId],
  );
  if (!row) {
    throw new NotFoundError(`No job with id ${jobId}`, {
      metaMessages: ['Check the link, or list jobs at /jobs.'],
    });
  }
  const { width, height, tileSize, frames } = row.spec;
  if (frame !== undefined && (!frames || frame < frames.start || frame > frames.end)) {
    throw new NotFoundError(
      frames
        ? `Job ${jobId} has no frame ${frame}: it renders frames ${frames.start} to ${frames.end}`
        : `Job ${jobId} is a still image, with no frames`,
      {
        metaMessages: [
          frames
            ? `Ask for a frame from ${frames.start} to ${frames.end}, or for frames.zip.`
            : `Its image is /api/jobs/${jobId}/image.png.`,
        ],
      },
    );
  }
  const shown = frames ? (frame ?? frames.start) : null;
  const tileBase = frames && shown !== null ? (shown - frames.start) * tilesPerFrame(row.spec) : 0;
  return { id: jobId, width, height, tileSize, version: row.version, frame: shown, tileBase };
}

interface TileSums {
  x: number;
  y: number;
  width: number;
  height: number;
  sums: Float64Array;
}

/** The band's tiles that have sums, read by their primary key range (tiles are numbered row-major). */
async function bandTiles(ctx: CoordinatorContext, job: ImageJob, band: number): Promise<TileSums[]> {
  const columns = Math.ceil(job.width / job.tileSize);
  const rows = await ctx.db.query<{ x: number; y: number; width: number; height: number; sums: Uint8Array }>(
    `SELECT x, y, width, height, sums FROM tiles
     WHERE job_id = $1 AND tile_index >= $2 AND tile_index < $3 AND sums IS NOT NULL`,
    [job.id, job.tileBase + band * columns, job.tileBase + (band + 1) * columns],
  );
  return rows.map((tile) => ({
    ...tile,
    sums:
      tile.sums.byteOffset % 8 === 0
        ? new Float64Array(tile.sums.buffer, tile.sums.byteOffset, tile.sums.byteLength / 8)
        : new Float64Array(tile.sums.slice().buffer),
  }));
}

function bandCount(job: ImageJob): number {
  return Math.ceil(job.height / job.tileSize);
}

/**
 * The image's bands, top to bottom (or bottom to top for PFM), each composed from its row of tiles when
 * asked for: a consumer that pulls one band at a time holds one band. With `reuse`, every band is written
 * into the same buffer (for a consumer done with a band before it asks for the next).
 */
export async function* accumulationBands(
  ctx: CoordinatorContext,
  job: ImageJob,
  { order = 'top-down', reuse = false }: { order?: 'top-down' | 'bottom-up'; reuse?: boolean } = {},
): AsyncGenerator<Band> {
  const bands = bandCount(job);
  const bandLength = job.width * Math.min(job.tileSize, job.height) * RESULT_CHANNELS;
  const shared = reuse ? new Float64Array(bandLength) : null;
  for (let i = 0; i < bands; i++) {
    const band = order === 'top-down' ? i : bands - 1 - i;
    const y = band * job.tileSize;
    const height = Math.min(job.tileSize, job.height - y);
    const length = job.width * height * RESULT_CHANNELS;
    const sums = shared ? shared.subarray(0, length).fill(0) : new Float64Array(length);
    for (const tile of await bandTiles(ctx, job, band)) {
      const rowLength = tile.width * RESULT_CHANNELS;
      for (let row = 0; row < tile.height; row++) {
        const from = row * rowLength;
        sums.set(
          tile.sums.subarray(from, from + rowLength),
          ((tile.y - y + row) * job.width + tile.x) * RESULT_CHANNELS,
        );
      }
    }
    yield { y, height, sums };
  }
}

/**
 * Assembles the per-tile accumulators into one image-sized buffer: O(width × height), for tests and tools
 * on small jobs. The routes stream (`accumulationStream`) instead.
 */
export async function readAccumulation(
  ctx: CoordinatorContext,
  jobId: string,
  frame?: number,
): Promise<Accumulation> {
  const job = await imageJob(ctx, jobId, frame);
  const sums = new Float64Array(job.width * job.height * RESULT_CHANNELS);
  for await (const band of accumulationBands(ctx, job))
    sums.set(band.sums, band.y * job.width * RESULT_CHANNELS);
  return { width: job.width, height: job.height, sums };
}

/** The raw sums as the accumulation route sends them: float64 LE, row-major, band after band. */
export async function* accumulationBytes(ctx: CoordinatorContext, job: ImageJob): AsyncGenerator<Uint8Array> {
  for await (const band of accumulationBands(ctx, job)) yield new Uint8Array(band.sums.buffer);
}

/** The PFM: its header, then the bands bottom band first, each band's rows bottom to top. */
export async function* pfmBytes(ctx: CoordinatorContext, job: ImageJob): AsyncGenerator<Uint8Array> {
  yield pfmHeader(job.width, job.height);
  for await (const band of accumulationBands(ctx, job, { order: 'bottom-up', reuse: true }))
    yield pfmRows(band.sums, job.width, band.height);
}

/** The OpenEXR: its header and offset table, then the bands top down, each as uncompressed scanline blocks. */
export async function* exrBytes(ctx: CoordinatorContext, job: ImageJob): AsyncGenerator<Uint8Array> {
  yield exrHeader(job.width, job.height);
  for await (const band of accumulationBands(ctx, job, { reuse: true }))
    yield exrBlocks(band.sums, job.width, band.y, band.height);
}

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** One PNG chunk: length, type, data, and the CRC-32 of type and data. */
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.byteLength);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.byteLength);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(data, 8);
  view.setUint32(8 + data.byteLength, crc32(chunk.subarray(4, 8 + data.byteLength)));
  return chunk;
}

/** Tone-mapped scanlines of each band (filter byte 0, then RGBA), as the deflate stream takes them. */
async function* scanlines(bands: AsyncIterable<Band>, width: number): AsyncGenerator<Uint8Array> {
  const stride = 1 + width * 4;
  for await (const band of bands) {
    const rgba = toneMapAccumulation(band.sums, width * band.height);
    const lines = new Uint8Array(stride * band.height);
    for (let row = 0; row < band.height; row++) {
      lines.set(rgba.subarray(row * width * 4, (row + 1) * width * 4), row * stride + 1);
    }
    yield lines;
  }
}

/**
 * An 8-bit RGBA PNG (the same pixels fast-png's encoder writes from the whole image), streamed: the
 * scanlines of each band go through one zlib deflate stream, and each piece it gives back is an IDAT
 * chunk. Backpressure reaches the band reads, so at most a band and zlib's buffers are held.
 */
export async function* pngBytes(
  bands: AsyncIterable<Band>,
  width: number,
  height: number,
): AsyncGenerator<Uint8Array> {
  yield PNG_SIGNATURE;
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, adaptive filters, no interlace
  yield pngChunk('IHDR', header);

  const source = Readable.from(scanlines(bands, width), { objectMode: false });
  const deflate = createDeflate({ level: 6, chunkSize: 64 * 1024 });
  source.on('error', (error) => deflate.destroy(error));
  source.pipe(deflate);
  try {
    for await (const piece of deflate as AsyncIterable<Buffer>) yield pngChunk('IDAT', piece);
  } finally {
    source.destroy();
    deflate.destroy();
  }
  yield pngChunk('IEND', new Uint8Array(0));
}

/** The whole PNG as one buffer, through the streaming encoder: small images, tests. */
export async function renderJobPng(
  ctx: CoordinatorContext,
  jobId: string,
  frame?: number,
): Promise<Uint8Array> {
  const job = await imageJob(ctx, jobId, frame);
  return collect(pngBytes(accumulationBands(ctx, job, { reuse: true }), job.width, job.height));
}

export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    total += chunk.byteLength;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

/** The size of a preview whose longer side is at most maxSize: the image shrunk by a whole factor. */
export function previewGeometry(
  job: Pick<ImageJob, 'width' | 'height'>,
  maxSize: number,
): { factor: number; width: number; height: number } {
  const factor = Math.max(1, Math.ceil(Math.max(job.width, job.height) / maxSize));
  return { factor, width: Math.ceil(job.width / factor), height: Math.ceil(job.height / factor) };
}

/**
 * The image shrunk so that its longer side is at most maxSize: each preview pixel adds up the sums of the
 * factor × factor pixels it covers (so it shows their count-weighted mean), read tile by tile, band by band,
 * without composing a band or the full image. Holds the preview's sums and one band of tiles.
 */
export async function previewAccumulation(
  ctx: CoordinatorContext,
  job: ImageJob,
  maxSize: number,
): Promise<Accumulation> {
  const { factor, width, height } = previewGeometry(job, maxSize);
  const sums = new Float64Array(width * height * RESULT_CHANNELS);
  const bands = bandCount(job);
  for (let band = 0; band < bands; band++) {
    for (const tile of await bandTiles(ctx, job, band)) {
      for (let row = 0; row < tile.height; row++) {
        const out = Math.floor((tile.y + row) / factor) * width;
        for (let col = 0; col < tile.width; col++) {
          const from = (row * tile.width + col) * RESULT_CHANNELS;
          const to = (out + Math.floor((tile.x + col) / factor)) * RESULT_CHANNELS;
          for (let c = 0; c < RESULT_CHANNELS; c++)
            sums[to + c] = (sums[to + c] as number) + (tile.sums[from + c] as number);
        }
      }
    }
  }
  return { width, height, sums };
}

/** A preview PNG (see previewAccumulation), encoded whole: it is at most maxSize × maxSize. */
export async function renderPreviewPng(
  ctx: CoordinatorContext,
  job: ImageJob,
  maxSize: number,
): Promise<Uint8Array> {
  const { width, height, sums } = await previewAccumulation(ctx, job, maxSize);
  return encode({ width, height, data: toneMapAccumulation(sums, width * height), channels: 4 });
}
