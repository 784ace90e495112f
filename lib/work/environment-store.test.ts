import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeHdr, ENVIRONMENT_MAP_LIMITS, encodeHdr } from '../scene/radiance-hdr';
import { sceneHash } from '../scene/scene-file';
import { createTestContext } from '../testing/test-context';
import {
  listEnvironmentMaps,
  readEnvironmentMapFile,
  resolveEnvironmentMap,
  uploadEnvironmentMap,
} from './environment-store';
import { createJob } from './jobs';
import { leaseUnit } from './lease-unit';

type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
beforeEach(() => t.reset());
afterAll(() => t.close());

const smallMap = () => {
  const rgb = new Float32Array(16 * 8 * 3).map((_, i) => 0.25 + (i % 7) / 4);
  return encodeHdr({ width: 16, height: 8, rgb });
};
const ascii = (s: string) => new TextEncoder().encode(s);

describe('environment maps', () => {
  it('stores an uploaded .hdr under the SHA-256 of its bytes, once, and serves exactly those bytes', async () => {
    const file = smallMap();
    const summary = await uploadEnvironmentMap(t.ctx, file, 'studio.hdr');
    expect(summary).toMatchObject({
      name: 'studio.hdr',
      source: 'upload',
      width: 16,
      height: 8,
      bytes: file.length,
    });
    expect(summary.hash).toBe(await sceneHash(file));
    expect(await readEnvironmentMapFile(t.ctx, summary.hash)).toEqual(file);
    const again = await uploadEnvironmentMap(t.ctx, file, 'other name');
    expect(again.hash).toBe(summary.hash);
    expect(again.name).toBe('studio.hdr');
  });

  it('generates the built-in maps deterministically and stores them under their hash', async () => {
    const sunset = await resolveEnvironmentMap(t.ctx, 'sunset');
    expect(sunset).toMatchObject({ source: 'built-in', builtInId: 'sunset', width: 512, height: 256 });
    const bytes = await readEnvironmentMapFile(t.ctx, sunset.hash);
    expect(await sceneHash(bytes)).toBe(sunset.hash);
    // The sun is by far the brightest texel: 2000 against a sky of about 1.
    const image = decodeHdr(bytes);
    expect(image.rgb.reduce((a, b) => Math.max(a, b), 0)).toBeGreaterThan(1000);
    const listed = await listEnvironmentMaps(t.ctx);
    expect(listed.slice(0, 2).map((m) => m.builtInId)).toEqual(['sunset', 'studio']);
  });

  it('refuses a declared size beyond the limits with 413, before decoding', async () => {
    const bomb = new Uint8Array(1024);
    bomb.set(ascii('#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 60000 +X 120000\n'));
    await expect(uploadEnvironmentMap(t.ctx, bomb, 'bomb.hdr')).rejects.toMatchObject({
      status: 413,
      shortMessage: expect.stringMatching(/at most 4096 x 2048/),
    });
    const huge = new Uint8Array(ENVIRONMENT_MAP_LIMITS.maxBytes + 1);
    await expect(uploadEnvironmentMap(t.ctx, huge, 'huge.hdr')).rejects.toMatchObject({ status: 413 });
  });

  it('refuses files that are not readable .hdr maps with 422 and says what to send', async () => {
    const truncated = smallMap().slice(0, -30);
    await expect(uploadEnvironmentMap(t.ctx, truncated, 't.hdr')).rejects.toMatchObject({
      status: 422,
      metaMessages: [expect.stringMatching(/equirectangular Radiance \.hdr/)],
    });
    await expect(uploadEnvironmentMap(t.ctx, ascii('not an hdr'), 'x.hdr')).rejects.toMatchObject({
      status: 422,
    });
    // A crafted RLE run past the end of its scanline.
    const overflow = new Uint8Array([
      ...ascii('#?RADIANCE\n\n-Y 1 +X 8\n'),
      2,
      2,
      0,
      8,
      128 + 100,
      7,
      ...new Uint8Array(60),
    ]);
    await expect(uploadEnvironmentMap(t.ctx, overflow, 'o.hdr')).rejects.toMatchObject({ status: 422 });
  });

  it('binds a job to the map’s hash (a built-in name resolved), and its units carry it', async () => {
    const job = await createJob(t.ctx, {
      scene: 'showcase',
      width: 16,
      height: 16,
      samplesPerPixel: 1,
      environment: { type: 'map', hash: 'studio', rotationDegrees: 90 },
      lens: { apertureRadius: 0.05, focusDistance: 3 },
    });
    const studio = await resolveEnvironmentMap(t.ctx, 'studio');
    expect(job.spec.environment).toEqual({
      type: 'map',
      hash: studio.hash,
      rotationDegrees: 90,
      intensity: 1,
    });
    expect(job.spec.pixelFilter).toBe('gaussian');
    const lease = await leaseUnit(t.ctx, { sessionId: 'session-maps' });
    expect(lease?.task).toMatchObject({
      environment: { type: 'map', hash: studio.hash },
      lens: { apertureRadius: 0.05, focusDistance: 3 },
      pixelFilter: 'gaussian',
    });
    await expect(
      createJob(t.ctx, {
        scene: 'showcase',
        width: 16,
        height: 16,
        samplesPerPixel: 1,
        environment: { type: 'map', hash: 'f'.repeat(64) },
      }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      createJob(t.ctx, {
        scene: 'showcase',
        width: 16,
        height: 16,
        samplesPerPixel: 1,
        lens: { apertureRadius: -1, focusDistance: 3 },
      }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
