import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OverloadedError } from '../protocol/errors';
import { SCENE_LIMITS } from '../protocol/limits';
import { parsePackedScene, sceneHash } from '../scene/scene-file';
import { SceneImportPool } from '../scene/scene-import-pool';
import { pngBomb, solidPng, texturedGlb } from '../testing/hostile-scenes';
import { createTestContext } from '../testing/test-context';
import { createJob } from './jobs';
import { leaseUnit } from './lease-unit';
import {
  getSceneSummary,
  listScenes,
  readSceneFile,
  readStoredSceneFile,
  resolveScene,
  sweepScenes,
  uploadScene,
} from './scene-store';

const SCENES = join(import.meta.dirname, '../../e2e/fixtures/scenes');
const read = (...parts: string[]) => new Uint8Array(readFileSync(join(SCENES, ...parts)));

type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
beforeEach(() => t.reset());
afterAll(() => t.close());

describe('scenes', () => {
  it('stores an uploaded multi-file glTF under the SHA-256 of its packed bytes, once', async () => {
    const files = new Map([
      ['BoxTextured.gltf', read('BoxTextured', 'BoxTextured.gltf')],
      ['BoxTextured0.bin', read('BoxTextured', 'BoxTextured0.bin')],
      ['CesiumLogoFlat.png', read('BoxTextured', 'CesiumLogoFlat.png')],
    ]);
    const summary = await uploadScene(t.ctx, files, 'textured box');
    expect(summary).toMatchObject({
      name: 'textured box',
      source: 'upload',
      stats: { triangles: 12, textures: 1 },
    });
    const file = await readSceneFile(t.ctx, summary.hash);
    expect(await sceneHash(file)).toBe(summary.hash);
    expect(parsePackedScene(file).info.triangleCount).toBe(12);

    const again = await uploadScene(t.ctx, files, 'same box, other name');
    expect(again.hash).toBe(summary.hash);
    expect((await listScenes(t.ctx)).filter((s) => s.source === 'upload')).toHaveLength(1);
  });

  it('refuses a glTF whose buffer is missing, naming the file', async () => {
    const files = new Map([['BoxTextured.gltf', read('BoxTextured', 'BoxTextured.gltf')]]);
    await expect(uploadScene(t.ctx, files, 'x')).rejects.toMatchObject({
      status: 422,
      shortMessage: expect.stringContaining('BoxTextured0.bin'),
    });
    await expect(uploadScene(t.ctx, new Map(), 'x')).rejects.toMatchObject({ status: 400 });
  });

  it('resolves built-in scenes by id, with their default environment', async () => {
    const cornell = await resolveScene(t.ctx, 'cornell');
    expect(cornell).toMatchObject({ source: 'built-in', builtInId: 'cornell' });
    expect(cornell.defaultEnvironment).toEqual({ type: 'uniform', radiance: [0, 0, 0] });
    expect((await resolveScene(t.ctx, 'cornell')).hash).toBe(cornell.hash);
    await expect(resolveScene(t.ctx, 'teapot')).rejects.toMatchObject({ status: 400 });
    await expect(getSceneSummary(t.ctx, 'f'.repeat(64))).rejects.toMatchObject({ status: 404 });
  });

  it('binds jobs to the scene hash and hands it to contributors with the environment', async () => {
    const box = await uploadScene(t.ctx, new Map([['Box.glb', read('Box.glb')]]), 'box');
    const sky = { type: 'uniform' as const, radiance: [2, 2, 2] as [number, number, number] };
    const job = await createJob(t.ctx, {
      scene: box.hash,
      width: 16,
      height: 16,
      samplesPerPixel: 1,
      environment: sky,
    });
    expect(job.spec).toMatchObject({ scene: box.hash, sceneHash: box.hash, environment: sky });
    const lease = await leaseUnit(t.ctx, { sessionId: 'session-scenes' });
    expect(lease?.task).toMatchObject({ sceneHash: box.hash, environment: sky });

    const demo = await createJob(t.ctx, { scene: 'cornell', width: 16, height: 16, samplesPerPixel: 1 });
    expect(demo.spec.sceneHash).toBe((await resolveScene(t.ctx, 'cornell')).hash);
    await expect(
      createJob(t.ctx, { scene: 'a'.repeat(64), width: 16, height: 16, samplesPerPixel: 1 }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a 4 MB upload whose PNG inflates to 4 GiB, in its worker, in seconds', async () => {
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    await expect(
      uploadScene(t.ctx, new Map([['bomb.glb', texturedGlb(pngBomb(4 * 2 ** 30))]]), 'bomb'),
    ).rejects.toMatchObject({
      status: 422,
      shortMessage: expect.stringMatching(/decompression bomb/),
    });
    expect(performance.now() - started).toBeLessThan(5000); // mostly starting the worker through tsx
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 2 ** 20);
  });

  it('refuses a scene that instances one mesh into more triangles than a stored scene may hold', async () => {
    // 600 nodes x 2,000 triangles: a 60 kB file, 1.2 M triangles, 134 MB packed.
    const scene = texturedGlb(solidPng(4, 4, [255, 255, 255, 255]), { instances: 600, gridTriangles: 2000 });
    expect(scene.length).toBeLessThan(100_000);
    const count = async () =>
      (await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM scenes'))[0]?.n;
    const before = await count();
    await expect(uploadScene(t.ctx, new Map([['instanced.glb', scene]]), 'instanced')).rejects.toMatchObject({
      status: 422,
      shortMessage: expect.stringMatching(/over the 128\.0 MiB limit on a stored scene/),
    });
    expect(await count()).toBe(before);
  });

  it('packs a 3.7 MB textured asset to at most twice its upload (textures stay PNG/JPEG) and stores it gzipped', async () => {
    const upload = read('Barrel.glb');
    const summary = await uploadScene(t.ctx, new Map([['Barrel.glb', upload]]), 'barrel');
    const stored = await readStoredSceneFile(t.ctx, summary.hash);
    expect(stored.encoding).toBe('gzip');
    expect(summary.bytes).toBe(stored.packedBytes);
    // Raw RGBA8 texels made it 16.9 MB (4.5x the upload); the file's own image bytes keep it near 1x.
    expect(stored.packedBytes).toBeLessThan(2 * upload.length);
    expect(stored.bytes.length).toBeLessThanOrEqual(stored.packedBytes);
    const file = await readSceneFile(t.ctx, summary.hash);
    expect(await sceneHash(file)).toBe(summary.hash);
  });

  it('answers 503 with Retry-After when the import queue is full, and stops an import past its time', async () => {
    const pool = new SceneImportPool({ workers: 1, queue: 0, timeoutMs: 60_000, heapMb: 256 });
    const box = new Map([['Box.glb', read('Box.glb')]]);
    const [first, second] = await Promise.allSettled([
      uploadScene(t.ctx, box, 'a', { pool }),
      uploadScene(t.ctx, box, 'b', { pool }),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(second.status === 'rejected' && second.reason).toBeInstanceOf(OverloadedError);
    expect(second.status === 'rejected' && second.reason).toMatchObject({
      status: 503,
      retryAfterSeconds: expect.any(Number),
    });
    const slow = new SceneImportPool({ workers: 1, queue: 0, timeoutMs: 1, heapMb: 256 });
    await expect(uploadScene(t.ctx, box, 'c', { pool: slow })).rejects.toMatchObject({
      status: 422,
      shortMessage: expect.stringMatching(/longer than 0.001 s/),
    });
  });

  it('sweeps uploads no job needs after the grace period, and those whose jobs finished after retention', async () => {
    const box = await uploadScene(t.ctx, new Map([['Box.glb', read('Box.glb')]]), 'box');
    const shapes = await uploadScene(
      t.ctx,
      new Map([['ShapeCollection.glb', read('ShapeCollection.glb')]]),
      'shapes',
    );
    const job = await createJob(t.ctx, { scene: shapes.hash, width: 16, height: 16, samplesPerPixel: 1 });
    await resolveScene(t.ctx, 'cornell');
    expect(await sweepScenes(t.ctx)).toEqual([]); // within the grace period
    t.clock.now += SCENE_LIMITS.unreferencedGraceMs + 1;
    const swept = await sweepScenes(t.ctx); // the job still needs shapes; built-ins stay
    expect(swept).toContain(box.hash);
    expect(swept).not.toContain(shapes.hash);
    await t.ctx.db.query("UPDATE jobs SET status = 'done', completed_at = $2 WHERE id = $1", [
      job.id,
      t.clock.now,
    ]);
    expect(await sweepScenes(t.ctx)).toEqual([]);
    t.clock.now += SCENE_LIMITS.finishedRetentionMs + 1;
    expect(await sweepScenes(t.ctx)).toEqual([shapes.hash]);
    await expect(getSceneSummary(t.ctx, shapes.hash)).rejects.toMatchObject({ status: 404 });
    expect((await resolveScene(t.ctx, 'cornell')).source).toBe('built-in');
  });
});
