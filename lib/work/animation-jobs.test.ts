import { unzipSync } from 'fflate';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Lease } from '../protocol/api-types';
import { InvalidRequestError, NotFoundError } from '../protocol/errors';
import { ANIMATION_LIMITS } from '../protocol/limits';
import { RESULT_CHANNELS } from '../protocol/result-layout';
import { DEFAULT_IMPORT_POOL, SceneImportPool } from '../scene/scene-import-pool';
import { buildGlb } from '../testing/animated-gltf';
import { runFarm } from '../testing/farm';
import { renderLeaseHonestly, standInRender } from '../testing/stand-in-renderer';
import { createTestContext } from '../testing/test-context';
import {
  expectHonestImage,
  inProcessFarmApi,
  STAND_IN_ADAPTER,
  wholeImageTask,
} from '../testing/test-support';
import { framePose } from './frame-pose';
import { framesZipResponse } from './job-frames-zip';
import { readAccumulation } from './job-image';
import { jobImageResponse } from './job-image-response';
import { createJob, getJob } from './jobs';
import { leaseUnit } from './lease-unit';
import { resolveScene, uploadScene } from './scene-store';
import { submitResult } from './submit-result';

// Animation jobs through the real coordinator and database: every frame is its own image, its units and
// checks carry the frame's pose, the frames of one job split across contributors assemble exactly, and the
// job credits exactly frames × pixels × samples.

type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ leaseTtlMs: 60_000 });
});
beforeEach(() => t.reset());
afterAll(() => t.close());

const ORBIT = {
  scene: 'cornell',
  width: 32,
  height: 24,
  samplesPerPixel: 4,
  tileSize: 16,
  frames: { start: 10, end: 12 },
  cameraPath: { type: 'orbit', degrees: 90 },
};

const farmOptions = {
  onIdle: () => {
    t.clock.now += 16_000;
  },
};

const honestFarm = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ strategy: 'honest' as const, origin: `10.0.0.${i + 1}` }));

async function unitCredit(jobId: string): Promise<number> {
  const [credit] = await t.ctx.db.query<{ ps: string }>(
    `SELECT coalesce(sum(pixel_samples), 0) AS ps FROM credits WHERE job_id = $1 AND kind = 'unit'`,
    [jobId],
  );
  return Number(credit?.ps);
}

describe('animation jobs', () => {
  it.each([
    ['units sized to each device', {}],
    ['fixed units', { samplesPerUnit: 2 }],
  ])(
    'split across contributors, assemble every frame exactly, and credit N × pixels × spp (%s)',
    async (_, extra) => {
      const created = await createJob(t.ctx, { ...ORBIT, ...extra });
      const frames = 3;
      const pixels = ORBIT.width * ORBIT.height;
      expect(created.pixelSamplesTotal).toBe(frames * pixels * ORBIT.samplesPerPixel);

      const report = await runFarm(
        inProcessFarmApi(() => t.ctx),
        honestFarm(4),
        standInRender,
        farmOptions,
      );
      // Every contributor rendered, and more than one rendered a frame (the farm splits frames, not jobs).
      const rendered = new Set(report.submissions.filter((s) => !s.isCheck).map((s) => s.sessionId));
      expect(rendered.size).toBeGreaterThan(1);

      const job = await getJob(t.ctx, created.id);
      expect(job.status).toBe('done');
      expect(job.pixelSamplesDone).toBe(frames * pixels * ORBIT.samplesPerPixel);
      expect(await unitCredit(job.id)).toBe(frames * pixels * ORBIT.samplesPerPixel);
      // Each frame's tiles are its own, each with every sample.
      expect(job.tiles).toHaveLength(frames * 2 * 2);
      expect(new Set(job.tiles.map((tile) => tile.frame))).toEqual(new Set([10, 11, 12]));
      expect(job.tiles.every((tile) => tile.samplesDone === ORBIT.samplesPerPixel)).toBe(true);

      const scene = await resolveScene(t.ctx, 'cornell');
      const images: Float64Array[] = [];
      for (const frame of [10, 11, 12]) {
        const pose = framePose(job.spec, scene.info, frame);
        await expectHonestImage(t.ctx, job.id, { frame, pose });
        images.push((await readAccumulation(t.ctx, job.id, frame)).sums);
      }
      // The frames are different images (the camera turned), not one image three times.
      expect(images[0]).not.toEqual(images[1]);
      expect(images[1]).not.toEqual(images[2]);
    },
    120_000,
  );

  it('gives every unit and check its frame pose, frames in order, a check the very pose of its unit', async () => {
    const job = await createJob(t.ctx, ORBIT);
    const scene = await resolveScene(t.ctx, 'cornell');
    const poseByUnit = new Map<number, unknown>();
    const framesLeased: number[] = [];
    let checks = 0;
    for (let step = 0; step < 400; step++) {
      const session = `session-${step % 3}`;
      const lease: Lease | null = await leaseUnit(
        t.ctx,
        { sessionId: session, adapter: STAND_IN_ADAPTER },
        { origin: `origin-${session}` },
      );
      if (!lease) {
        t.clock.now += 16_000;
        if ((await getJob(t.ctx, job.id)).status === 'done') break;
        continue;
      }
      for (const part of [lease, ...(lease.checks ?? [])]) {
        const pose = part.task.pose;
        expect(pose).toBeDefined();
        expect(pose).toEqual(framePose(job.spec, scene.info, pose?.frame as number));
        if (part.task.pixels) {
          checks++;
          expect(pose).toEqual(poseByUnit.get(part.unitId));
        } else {
          poseByUnit.set(part.unitId, pose);
          framesLeased.push(pose?.frame as number);
        }
      }
      const data = await renderLeaseHonestly(lease);
      await submitResult(t.ctx, {
        leaseId: lease.leaseId,
        sessionId: session,
        body: new Uint8Array(data.buffer),
      });
    }
    expect((await getJob(t.ctx, job.id)).status).toBe('done');
    expect(checks).toBeGreaterThan(0);
    // Frames are carved one after another (the player can show the first while the rest render).
    expect(framesLeased).toEqual([...framesLeased].sort((a, b) => a - b));
    // The orbit starts at the scene camera and turns 30° a frame.
    expect(poseByUnit.size).toBeGreaterThan(0);
    const first = framePose(job.spec, scene.info, 10).camera;
    expect(first?.position.map(Math.fround)).toEqual(scene.info.camera.position.map(Math.fround));
  }, 120_000);

  it('renders a frame the way a still of that frame’s camera renders (the pose is all a frame is)', async () => {
    const job = await createJob(t.ctx, { ...ORBIT, frames: { start: 0, end: 1 } });
    await runFarm(
      inProcessFarmApi(() => t.ctx),
      honestFarm(2),
      standInRender,
      farmOptions,
    );
    const scene = await resolveScene(t.ctx, 'cornell');
    const { sums } = await readAccumulation(t.ctx, job.id, 1);
    const pose = framePose(job.spec, scene.info, 1);
    const expected = await standInRender(wholeImageTask(job.spec, pose));
    expect(sums.length).toBe(ORBIT.width * ORBIT.height * RESULT_CHANNELS);
    for (let i = 0; i < sums.length; i++) expect(Math.fround(sums[i] as number)).toBe(expected[i]);
  }, 60_000);

  it('refuses what it cannot bound, with what to do instead', async () => {
    const refused = async (request: object) => {
      const error = await createJob(t.ctx, request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      return `${(error as Error).message} ${((error as InvalidRequestError).metaMessages ?? []).join(' ')}`;
    };
    const still = { scene: 'cornell', width: 32, height: 32, samplesPerPixel: 4 };
    expect(await refused({ ...still, cameraPath: { type: 'orbit' } })).toMatch(/cameraPath: .*frames/);
    expect(await refused({ ...still, frames: { start: 5, end: 4 } })).toMatch(
      /frames.end: end must not come before start/,
    );
    expect(await refused({ ...still, frames: { start: 0, end: ANIMATION_LIMITS.maxFrames } })).toMatch(
      /at most 1000 frames/,
    );
    expect(await refused({ ...still, frames: { start: 0, end: 0, fps: 0 } })).toMatch(/fps/);
    // 1000 frames of 4096 × 4096 in 64 px tiles would be four million tile rows.
    expect(
      await refused({ ...still, width: 4096, height: 4096, frames: { start: 0, end: 999 }, tileSize: 64 }),
    ).toMatch(/4096000 tiles .*Render fewer frames/s);
    // Pixel-samples count every frame: 200 frames of a job a still may be are beyond an unpaid job.
    expect(
      await refused({
        scene: 'cornell',
        width: 1024,
        height: 1024,
        samplesPerPixel: 1024,
        tileSize: 256,
        frames: { start: 0, end: 199 },
      }),
    ).toMatch(/unpaid job may render at most .*render fewer frames/s);
    expect(
      await refused({
        ...still,
        frames: { start: 0, end: 1 },
        cameraPath: { type: 'keyframes', keys: [{ frame: 0, position: [0, 1, 2], target: [0, 1, 2] }] },
      }),
    ).toMatch(/look somewhere other than its own position/);
  });

  it('reads a still as before and answers a frame that is not the job’s with where the frames are', async () => {
    const still = await createJob(t.ctx, { scene: 'cornell', width: 16, height: 16, samplesPerPixel: 1 });
    expect(still.spec.frames).toBeUndefined();
    expect(still.tiles.every((tile) => tile.frame === undefined)).toBe(true);
    await expect(readAccumulation(t.ctx, still.id, 0)).rejects.toThrow(/still image, with no frames/);
    const animation = await createJob(t.ctx, ORBIT);
    const error = await readAccumulation(t.ctx, animation.id, 13).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toMatch(/renders frames 10 to 12/);
  });

  it('downloads each frame through the image routes and every frame in one streamed zip', async () => {
    const created = await createJob(t.ctx, { ...ORBIT, width: 16, height: 16 });
    await runFarm(
      inProcessFarmApi(() => t.ctx),
      honestFarm(2),
      standInRender,
      farmOptions,
    );
    expect((await getJob(t.ctx, created.id)).status).toBe('done');

    const framePngs = new Map<string, Uint8Array>();
    const pfms: Uint8Array[] = [];
    for (const frame of [10, 11, 12]) {
      const png = await jobImageResponse(t.ctx, created.id, { kind: 'png', frame });
      expect(png.headers.get('content-disposition')).toContain(`-frame-0000${frame}.png`);
      framePngs.set(
        `lumengrid-${created.id}-frame-0000${frame}.png`,
        new Uint8Array(await png.arrayBuffer()),
      );
      pfms.push(
        new Uint8Array(
          await (await jobImageResponse(t.ctx, created.id, { kind: 'pfm', frame })).arrayBuffer(),
        ),
      );
    }
    expect(pfms[0]).not.toEqual(pfms[1]);
    // Each frame's PNG is its own (the PNG cache is keyed by frame too).
    const pngs = [...framePngs.values()];
    expect(pngs[0]).not.toEqual(pngs[1]);

    const zip = await framesZipResponse(t.ctx, created.id);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    const entries = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    expect(Object.keys(entries).sort()).toEqual([...framePngs.keys()].sort());
    for (const [name, png] of framePngs) expect(entries[name]).toEqual(png);

    const still = await createJob(t.ctx, { scene: 'cornell', width: 16, height: 16, samplesPerPixel: 1 });
    await expect(framesZipResponse(t.ctx, still.id)).rejects.toThrow(/still image, with no frames/);
    await expect(jobImageResponse(t.ctx, created.id, { kind: 'png', frame: 9 })).rejects.toThrow(
      /renders frames 10 to 12/,
    );
  }, 120_000);

  it('poses an uploaded animated glTF on the coordinator: each frame’s tasks carry its nodes at frame / fps', async () => {
    const glb = await buildGlb([
      {
        name: 'light',
        mesh: { kind: 'quad', size: 1, facing: 'down' },
        emissive: [1, 1, 1],
        translation: [0, 3, 0],
      },
      { name: 'floor', mesh: { kind: 'quad', size: 4, facing: 'up' } },
      {
        name: 'box',
        mesh: { kind: 'box', size: 0.5 },
        translation: [-1, 0.5, 0],
        tracks: [{ path: 'translation', times: [0, 1], values: [-1, 0.5, 0, 1, 0.5, 0] }],
      },
    ]);
    const inThread = new SceneImportPool({ ...DEFAULT_IMPORT_POOL, isolate: false });
    const scene = await uploadScene(t.ctx, new Map([['slide.glb', glb]]), 'slide', { pool: inThread });
    const job = await createJob(t.ctx, {
      scene: scene.hash,
      width: 16,
      height: 16,
      samplesPerPixel: 2,
      tileSize: 16,
      frames: { start: 0, end: 4, fps: 4 },
    });
    const boxX = new Map<number, number>();
    for (let step = 0; step < 40 && boxX.size < 5; step++) {
      const session = `session-${step}`;
      const lease = await leaseUnit(
        t.ctx,
        { sessionId: session, adapter: STAND_IN_ADAPTER },
        { origin: `origin-${session}` },
      );
      if (!lease) {
        t.clock.now += 16_000;
        continue;
      }
      const pose = lease.task.pose;
      // Instance 0 (floor and light) at the identity, instance 1 (the box) where the keys put it.
      expect(pose?.instanceTransforms).toHaveLength(24);
      expect(pose?.instanceTransforms?.slice(0, 12)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
      expect(pose?.camera).toBeUndefined();
      boxX.set(pose?.frame as number, pose?.instanceTransforms?.[12 + 3] as number);
    }
    // Frame f is glTF time f / 4 s: x = -1 + 2 f / 4, held at 1 after the last key.
    expect((await getJob(t.ctx, job.id)).tiles).toHaveLength(5);
    expect(Object.fromEntries(boxX)).toEqual({ 0: -1, 1: -0.5, 2: 0, 3: 0.5, 4: 1 });
  }, 120_000);
});
