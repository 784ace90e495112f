import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parsePackedScene, sceneHash } from '../scene/scene-file';
import { createTestContext } from '../testing/test-context';
import { createJob } from './jobs';
import { leaseUnit } from './lease-unit';
import { getSceneSummary, listScenes, readSceneFile, resolveScene, uploadScene } from './scene-store';

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
});
