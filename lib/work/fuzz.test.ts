import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseError } from '../protocol/errors';
import { RESULT_CHANNELS } from '../protocol/result-layout';
import { DEFAULT_IMPORT_POOL, SceneImportPool } from '../scene/scene-import-pool';
import {
  ihdr,
  jpegWithSof,
  pngBomb,
  pngChunks,
  pngFromChunks,
  pngWithIccpBomb,
  solidPng,
  texturedGlb,
} from '../testing/hostile-scenes';
import { standInRender } from '../testing/stand-in-renderer';
import { createTestContext } from '../testing/test-context';
import { readAccumulation } from './job-image';
import { createJob, getJob } from './jobs';
import { leaseUnit } from './lease-unit';
import { uploadScene } from './scene-store';
import { submitResult } from './submit-result';

// Property-based fuzzing of everything a stranger can send: thousands of malformed job requests, scene
// uploads and result bodies. Each must be refused with a 4xx domain error that says what to do (never an
// unexpected error, which a route would answer with 500), and must change nothing already accepted.

let t: Awaited<ReturnType<typeof createTestContext>>;
/** Imports on the test's thread: the refusals are the same, without a worker start per run. */
const inThread = new SceneImportPool({ ...DEFAULT_IMPORT_POOL, isolate: false });
beforeAll(async () => {
  t = await createTestContext({ leaseTtlMs: 3_600_000 });
});
afterAll(() => t.close());

/** Runs `attempt` and returns the refusal, failing on anything but a 4xx BaseError with a next step. */
async function refusal(attempt: () => Promise<unknown>): Promise<BaseError | null> {
  try {
    await attempt();
    return null;
  } catch (error) {
    if (!(error instanceof BaseError)) throw new Error(`unexpected error (would be a 500): ${String(error)}`);
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(500);
    expect(error.shortMessage.length).toBeGreaterThan(0);
    return error;
  }
}

const VALID_JOB = { scene: 'cornell', width: 16, height: 16, samplesPerPixel: 2, tileSize: 16 };
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const jobField = fc.constantFrom(
  'scene',
  'width',
  'height',
  'samplesPerPixel',
  'maxBounces',
  'tileSize',
  'samplesPerUnit',
  'seed',
  'confidence',
  'redundancy',
  'environment',
  'budgetWei',
  'bogus',
);

describe('fuzzing the coordinator', () => {
  it('refuses thousands of malformed job requests with a 4xx, and stores none of them', async () => {
    const [before] = await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs');
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          jsonValue,
          // A valid request with one field replaced by anything, or one extra field.
          fc
            .record({ field: jobField, value: jsonValue })
            .map(({ field, value }) => ({ ...VALID_JOB, [field]: value })),
          // Huge, negative, fractional and non-finite numbers where numbers go.
          fc
            .record({
              field: fc.constantFrom('width', 'height', 'samplesPerPixel', 'tileSize', 'seed', 'confidence'),
              value: fc.oneof(fc.double(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 })),
            })
            .map(({ field, value }) => ({ ...VALID_JOB, [field]: value })),
        ),
        async (input) => {
          const error = await refusal(() => createJob(t.ctx, input));
          if (!error) accepted++;
        },
      ),
      { numRuns: 2000 },
    );
    const [after] = await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs');
    // Only the inputs that happened to be valid jobs were stored.
    expect((after?.n ?? 0) - (before?.n ?? 0)).toBe(accepted);
    expect(accepted).toBeLessThan(2000 * 0.2);
  }, 120_000);

  it('refuses malformed scene uploads with a 4xx', async () => {
    const [before] = await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM scenes');
    const glbHeader = (length: number, version: number) => {
      const header = new Uint8Array(12);
      const view = new DataView(header.buffer);
      view.setUint32(0, 0x46546c67, true); // 'glTF'
      view.setUint32(4, version, true);
      view.setUint32(8, length, true);
      return header;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }).map((bytes) => new Map([['scene.glb', bytes]])),
          // A plausible GLB header followed by garbage.
          fc
            .record({ length: fc.nat(), version: fc.nat(4), tail: fc.uint8Array({ maxLength: 512 }) })
            .map(({ length, version, tail }) => {
              const bytes = new Uint8Array(12 + tail.length);
              bytes.set(glbHeader(length, version));
              bytes.set(tail, 12);
              return new Map([['scene.glb', bytes]]);
            }),
          // glTF JSON that is almost right.
          jsonValue.map(
            (json) =>
              new Map([
                [
                  'scene.gltf',
                  new TextEncoder().encode(
                    JSON.stringify({ asset: { version: '2.0' }, scenes: json, nodes: json, meshes: json }),
                  ),
                ],
              ]),
          ),
          fc.string({ maxLength: 200 }).map((name) => new Map([[name, new Uint8Array([1, 2, 3])]])),
        ),
        async (files) => {
          expect(await refusal(() => uploadScene(t.ctx, files, 'fuzz', { pool: inThread }))).not.toBeNull();
        },
      ),
      { numRuns: 400 },
    );
    const [after] = await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM scenes');
    expect(after?.n).toBe(before?.n);
  }, 120_000);

  it('refuses hostile texture images (truncated, lying IHDR, huge sizes, bad CRC, huge SOF, zlib bombs)', async () => {
    const [before] = await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM scenes');
    const good = solidPng(16, 16, [200, 100, 50, 255]);
    const side = fc.integer({ min: 1, max: 0x7fffffff });
    const png = (image: Uint8Array, mustRefuse = false) => ({ image, mimeType: 'image/png', mustRefuse });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // Truncated anywhere after the signature.
          fc.integer({ min: 8, max: good.length - 1 }).map((cut) => png(good.subarray(0, cut), true)),
          // One byte changed anywhere after the signature: the CRC (or IHDR check) must catch it.
          fc
            .record({
              at: fc.integer({ min: 8, max: good.length - 1 }),
              xor: fc.integer({ min: 1, max: 255 }),
            })
            .map(({ at, xor }) => {
              const bytes = good.slice();
              bytes[at] = (bytes[at] as number) ^ xor;
              return png(bytes);
            }),
          // An IHDR that lies about the size of honest pixel data, from 1x1 to 2^31 on a side.
          fc.record({ width: side, height: side }).map(({ width, height }) =>
            png(
              pngFromChunks([
                ihdr(width, height),
                ...pngChunks(good)
                  .filter((c) => c.type !== 'IHDR')
                  .map((c) => c.bytes),
              ]),
              width !== 16 || height !== 16,
            ),
          ),
          // Decompression bombs behind small declared sizes.
          fc
            .record({ width: fc.integer({ min: 1, max: 64 }), mib: fc.integer({ min: 1, max: 1024 }) })
            .map(({ width, mib }) => png(pngBomb(mib * 2 ** 20, width, width), true)),
          fc.integer({ min: 64, max: 1024 }).map((mib) => png(pngWithIccpBomb(mib * 2 ** 20))),
          // JPEG frames of any declared size, with no scan behind them.
          fc
            .record({
              width: fc.integer({ min: 1, max: 65_535 }),
              height: fc.integer({ min: 1, max: 65_535 }),
            })
            .map(({ width, height }) => ({
              image: jpegWithSof(width, height),
              mimeType: 'image/jpeg',
              mustRefuse: width > 4096 || height > 4096,
            })),
        ),
        async ({ image, mimeType, mustRefuse }) => {
          const files = new Map([['hostile.glb', texturedGlb(image, { mimeType })]]);
          const started = performance.now();
          const refused = await refusal(() => uploadScene(t.ctx, files, 'fuzz', { pool: inThread }));
          expect(performance.now() - started).toBeLessThan(2000);
          // The colour-profile bomb's pixels are honest, and a flipped byte may land in an ignored place.
          if (mustRefuse) expect(refused).not.toBeNull();
          if (refused === null) {
            await t.ctx.db.query("DELETE FROM scenes WHERE name = 'fuzz'");
          }
        },
      ),
      { numRuns: 150 },
    );
    const [after] = await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM scenes');
    expect(after?.n).toBe(before?.n);
  }, 240_000);

  it('refuses malformed result bodies with a 4xx and never touches the accumulator', async () => {
    // Jobs the first test happened to create come first in the queue: start from an empty one.
    await t.reset();
    const job = await createJob(t.ctx, { ...VALID_JOB, samplesPerPixel: 4, samplesPerUnit: 2 });
    const lease = await leaseUnit(t.ctx, { sessionId: 'fuzz-submitter-1' });
    if (lease?.jobId !== job.id) throw new Error('no lease of the new job');
    const honest = await standInRender(lease.task);
    const pristine = Buffer.from((await readAccumulation(t.ctx, job.id)).sums.buffer).toString('base64');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 4096 }),
          // The honest result with one value replaced (NaN, infinities, negatives, wrong sample counts).
          fc
            .record({
              index: fc.nat(honest.length - 1),
              value: fc.oneof(fc.constantFrom(Number.NaN, Infinity, -Infinity, -1, 0, 1e30), fc.float()),
            })
            .filter(({ index, value }) => !Object.is(honest[index], value))
            .filter(
              ({ index, value }) =>
                index % RESULT_CHANNELS === RESULT_CHANNELS - 1 || !Number.isFinite(value) || value < 0,
            )
            .map(({ index, value }) => {
              const copy = honest.slice();
              copy[index] = value;
              return new Uint8Array(copy.buffer);
            }),
          // Truncated or extended honest bytes.
          fc
            .integer({ min: -64, max: 64 })
            .filter((d) => d !== 0)
            .map((delta) => {
              const bytes = new Uint8Array(honest.buffer);
              if (delta < 0) return bytes.slice(0, bytes.length + delta);
              const longer = new Uint8Array(bytes.length + delta);
              longer.set(bytes);
              return longer;
            }),
        ),
        fc.constantFrom(lease.leaseId, 'not-a-lease-0000000000', ''),
        async (body, leaseId) => {
          const error = await refusal(() =>
            submitResult(t.ctx, { leaseId, sessionId: 'fuzz-submitter-1', body }),
          );
          expect(error).not.toBeNull();
        },
      ),
      { numRuns: 1500 },
    );
    const after = Buffer.from((await readAccumulation(t.ctx, job.id)).sums.buffer).toString('base64');
    expect(after).toBe(pristine);
    expect((await getJob(t.ctx, job.id)).verification.unitsVerifying).toBe(0);
    // And the honest result is still accepted afterwards: nothing was corrupted.
    await submitResult(t.ctx, {
      leaseId: lease.leaseId,
      sessionId: 'fuzz-submitter-1',
      body: new Uint8Array(honest.buffer),
    });
    expect((await getJob(t.ctx, job.id)).verification.unitsVerifying).toBe(1);
  }, 120_000);
});
