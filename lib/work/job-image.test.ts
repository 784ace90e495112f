import { decode, encode } from 'fast-png';
import { FloatType } from 'three';
import { EXRLoader } from 'three/examples/jsm/loaders/EXRLoader.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorResponse } from '../coordinator/http';
import { OverloadedError } from '../protocol/errors';
import { RESULT_CHANNELS } from '../protocol/result-layout';
import { decodePfm, encodePfm } from '../render/pfm';
import { toneMapAccumulation } from '../render/tonemap';
import { createTestContext } from '../testing/test-context';
import { BuildGate, PngCache } from './image-gate';
import { accumulationBands, collect, imageJob, pngBytes, readAccumulation } from './job-image';
import { jobImageResponse } from './job-image-response';
import { createJob } from './jobs';

// lib/coordinator/http.ts is server-only; here it runs in Node as the route would.
vi.mock('server-only', () => ({}));

type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;

beforeAll(async () => {
  t = await createTestContext();
});
beforeEach(() => t.reset());
afterAll(() => t.close());

/** Fills tiles with sums that differ per pixel (some tiles left empty), as accepted results would. */
async function fillTiles(jobId: string, which: (index: number) => boolean, bump = true) {
  const tiles = await t.ctx.db.query<{
    tile_index: number;
    x: number;
    y: number;
    width: number;
    height: number;
  }>('SELECT tile_index, x, y, width, height FROM tiles WHERE job_id = $1 ORDER BY tile_index', [jobId]);
  for (const tile of tiles) {
    if (!which(tile.tile_index)) continue;
    const sums = new Float64Array(tile.width * tile.height * RESULT_CHANNELS);
    for (let p = 0; p < tile.width * tile.height; p++) {
      const x = tile.x + (p % tile.width);
      const y = tile.y + Math.floor(p / tile.width);
      const count = 1 + ((x + y) % 3);
      sums.set(
        [((x * 7 + y) % 11) * 0.1 * count, (y % 5) * 0.2 * count, 0.3 * count, 0.5, count],
        p * RESULT_CHANNELS,
      );
    }
    await t.ctx.db.query(
      'UPDATE tiles SET sums = $3, samples_done = 1 WHERE job_id = $1 AND tile_index = $2',
      [jobId, tile.tile_index, new Uint8Array(sums.buffer)],
    );
  }
  if (bump) await t.ctx.db.query('UPDATE jobs SET version = version + 1 WHERE id = $1', [jobId]);
}

const smallJob = { scene: 'cornell', width: 40, height: 27, samplesPerPixel: 4, tileSize: 16 };
const resources = () => ({ gate: new BuildGate(2, 4, 2), cache: new PngCache(1 << 20, 1 << 19) });
const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer());

describe('job images, streamed from the tiles', () => {
  it('writes the same PNG pixels, PFM and raw sums as the whole-image encoders did', async () => {
    const job = await createJob(t.ctx, smallJob);
    await fillTiles(job.id, (i) => i !== 1 && i !== 4);
    const { sums, width, height } = await readAccumulation(t.ctx, job.id);
    const old = decode(
      encode({ width, height, data: toneMapAccumulation(sums, width * height), channels: 4 }),
    );

    const png = decode(await bytesOf(await jobImageResponse(t.ctx, job.id, { kind: 'png' }, resources())));
    expect({ width: png.width, height: png.height, channels: png.channels }).toEqual({
      width: 40,
      height: 27,
      channels: 4,
    });
    expect(png.data).toEqual(old.data);
    // An unrendered tile is the neutral grey.
    expect([...png.data.subarray(16 * 4, 16 * 4 + 4)]).toEqual([40, 40, 40, 255]);

    const pfm = await bytesOf(await jobImageResponse(t.ctx, job.id, { kind: 'pfm' }, resources()));
    expect(pfm).toEqual(encodePfm(sums, width, height));
    expect(decodePfm(pfm).rgb.length).toBe(40 * 27 * 3);

    // The EXR, read back by an independent decoder (three's EXRLoader), holds the PFM's floats exactly.
    const exrResponse = await jobImageResponse(t.ctx, job.id, { kind: 'exr' }, resources());
    const exr = await bytesOf(exrResponse);
    expect(exrResponse.headers.get('content-length')).toBe(String(exr.byteLength));
    expect(exrResponse.headers.get('content-type')).toBe('image/x-exr');
    const loader = new EXRLoader();
    loader.setDataType(FloatType);
    const decoded = loader.parse(exr.buffer as ArrayBuffer);
    expect([decoded.width, decoded.height]).toEqual([40, 27]);
    const fromPfm = decodePfm(pfm).rgb;
    // EXRLoader gives RGBA rows bottom to top (a texture's order); the PFM decoder gives RGB top to bottom.
    const fromExr = new Float32Array(40 * 27 * 3);
    const data = decoded.data as Float32Array;
    for (let y = 0; y < 27; y++) {
      for (let x = 0; x < 40; x++) {
        const from = ((26 - y) * 40 + x) * 4;
        fromExr.set(data.subarray(from, from + 3), (y * 40 + x) * 3);
      }
    }
    expect(fromExr).toEqual(fromPfm);
    expect(fromPfm.some((v) => v > 0)).toBe(true);

    const raw = await jobImageResponse(t.ctx, job.id, { kind: 'accumulation' }, resources());
    expect(raw.headers.get('content-length')).toBe(String(40 * 27 * RESULT_CHANNELS * 8));
    expect(new Float64Array((await bytesOf(raw)).buffer)).toEqual(sums);
  });

  it('streams a 4096×4096 PNG, PFM, EXR and raw sums holding a band, not the image', async () => {
    const job = await createJob(t.ctx, {
      scene: 'cornell',
      width: 4096,
      height: 4096,
      samplesPerPixel: 1,
      tileSize: 64,
    });
    // One band of tiles has sums; the rest are unrendered (a free job a moment after it was created).
    await fillTiles(job.id, (i) => i >= 64 * 10 && i < 64 * 11);
    const info = await imageJob(t.ctx, job.id);
    for (const kind of ['png', 'pfm', 'exr', 'accumulation'] as const) {
      globalThis.gc?.();
      const before = process.memoryUsage().arrayBuffers;
      let peak = 0;
      let total = 0;
      let first: Uint8Array | null = null;
      const response = await jobImageResponse(t.ctx, job.id, { kind }, resources());
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (kind === 'png' && !first) first = value;
        total += value.byteLength;
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
      }
      // The whole image's sums are 671 MB (RGBA 67 MB); a band of them 10.5 MB.
      expect(peak, kind).toBeLessThan(96 * 1024 * 1024);
      if (kind === 'pfm') expect(total).toBe(4096 * 4096 * 12 + 'PF\n4096 4096\n-1.0\n'.length);
      if (kind === 'accumulation') expect(total).toBe(4096 * 4096 * 40);
      // Header and offset table, then per row its y, size and three rows of float32.
      if (kind === 'exr') expect(total).toBe(Number(response.headers.get('content-length')));
      if (kind === 'exr') expect(total).toBeGreaterThan(4096 * 4096 * 12 + 4096 * 16);
      if (kind === 'png') expect(first?.subarray(1, 4)).toEqual(new TextEncoder().encode('PNG'));
    }
    // And the streamed PNG decodes to the image: a grey frame and the rendered band.
    const png = decode(await collect(pngBytes(accumulationBands(t.ctx, info), 4096, 4096)));
    expect([png.width, png.height]).toEqual([4096, 4096]);
    expect([...png.data.subarray(0, 4)]).toEqual([40, 40, 40, 255]);
    const inBand = (640 * 4096 + 5) * 4;
    expect([...png.data.subarray(inBand, inBand + 4)]).not.toEqual([40, 40, 40, 255]);
  }, 60_000);

  it('answers a preview (maxSize) averaged down from the tiles, and the full size where maxSize covers it', async () => {
    const job = await createJob(t.ctx, smallJob);
    await fillTiles(job.id, () => true);
    const full = decode(await bytesOf(await jobImageResponse(t.ctx, job.id, { kind: 'png' }, resources())));
    const same = decode(
      await bytesOf(await jobImageResponse(t.ctx, job.id, { kind: 'png', maxSize: 64 }, resources())),
    );
    expect(same.data).toEqual(full.data);

    const small = await jobImageResponse(t.ctx, job.id, { kind: 'png', maxSize: 20 }, resources());
    const preview = decode(await bytesOf(small));
    expect([preview.width, preview.height]).toEqual([20, 14]);
    // Preview pixel (0, 0) is the count-weighted mean of source pixels (0..1, 0..1).
    const { sums } = await readAccumulation(t.ctx, job.id);
    const box = [0, 0, 0, 0, 0];
    for (const [x, y] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ] as const) {
      for (let c = 0; c < 5; c++) box[c] = (box[c] as number) + (sums[(y * 40 + x) * 5 + c] as number);
    }
    const expected = toneMapAccumulation(box, 1);
    expect([...preview.data.subarray(0, 4)]).toEqual([...expected]);
  });

  it('previews a 4096×4096 job at 256 pixels', async () => {
    const job = await createJob(t.ctx, {
      scene: 'cornell',
      width: 4096,
      height: 2048,
      samplesPerPixel: 1,
      tileSize: 128,
    });
    const preview = decode(
      await bytesOf(await jobImageResponse(t.ctx, job.id, { kind: 'png', maxSize: 256 }, resources())),
    );
    expect([preview.width, preview.height]).toEqual([256, 128]);
  });
});

describe('image builds are gated and cached by version', () => {
  it('answers 304 to a repeat of the same version, and 200 once the job moves on', async () => {
    const job = await createJob(t.ctx, smallJob);
    const r = resources();
    const first = await jobImageResponse(t.ctx, job.id, { kind: 'png' }, r);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"v\d+-png"$/);
    await first.arrayBuffer();
    const again = await jobImageResponse(t.ctx, job.id, { kind: 'png', ifNoneMatch: etag }, r);
    expect(again.status).toBe(304);
    expect(again.body).toBeNull();
    const pfm = await jobImageResponse(t.ctx, job.id, { kind: 'pfm', ifNoneMatch: etag }, r);
    expect(pfm.status).toBe(200);
    await pfm.body?.cancel();

    await fillTiles(job.id, () => true);
    const moved = await jobImageResponse(t.ctx, job.id, { kind: 'png', ifNoneMatch: etag }, r);
    expect(moved.status).toBe(200);
    expect(moved.headers.get('etag')).not.toBe(etag);
    await moved.arrayBuffer();
  });

  it('refuses builds past the queue with 503 and Retry-After, and frees the slot when a stream ends', async () => {
    const job = await createJob(t.ctx, smallJob);
    const r = { gate: new BuildGate(1, 1, 2), cache: new PngCache(0, 0) };
    const open = await jobImageResponse(t.ctx, job.id, { kind: 'pfm' }, r);
    expect(r.gate.stats).toEqual({ active: 1, queued: 0 });
    const queued = jobImageResponse(t.ctx, job.id, { kind: 'accumulation' }, r);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(r.gate.stats).toEqual({ active: 1, queued: 1 });
    const refused = await jobImageResponse(t.ctx, job.id, { kind: 'png' }, r).catch((error) => error);
    expect(refused).toBeInstanceOf(OverloadedError);
    const response = errorResponse(refused);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect((await response.json()).next[0]).toMatch(/Try again in 2 s/);

    await open.arrayBuffer();
    const second = await queued;
    await second.body?.cancel();
    expect(r.gate.stats).toEqual({ active: 0, queued: 0 });
  });

  it('serves a version already encoded from the cache without waiting for the gate', async () => {
    const job = await createJob(t.ctx, smallJob);
    const r = { gate: new BuildGate(1, 0, 2), cache: new PngCache(1 << 20, 1 << 19) };
    const built = await bytesOf(await jobImageResponse(t.ctx, job.id, { kind: 'png', maxSize: 16 }, r));
    const full = await bytesOf(await jobImageResponse(t.ctx, job.id, { kind: 'png' }, r));
    expect(r.cache.size.entries).toBe(2);
    const hold = await r.gate.acquire();
    expect(await bytesOf(await jobImageResponse(t.ctx, job.id, { kind: 'png', maxSize: 16 }, r))).toEqual(
      built,
    );
    expect(await bytesOf(await jobImageResponse(t.ctx, job.id, { kind: 'png' }, r))).toEqual(full);
    await expect(jobImageResponse(t.ctx, job.id, { kind: 'pfm' }, r)).rejects.toBeInstanceOf(OverloadedError);
    hold();
  });
});
