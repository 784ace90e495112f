import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Lease } from '../protocol/api-types';
import type { RenderTask } from '../protocol/render-task';
import { concatResults, leaseTasks, RESULT_CHANNELS } from '../protocol/result-layout';
import { createTestContext } from '../testing/test-context';
import { PROBATION_CHECKS, PROBATION_UNITS } from '../verification/policy';
import { readAccumulation } from './job-image';
import { createJob, getJob } from './jobs';
import { leaseUnit, MAX_LEASES_HELD } from './lease-unit';
import { submitResult } from './submit-result';

type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;

// One in-memory database for the file (opening one costs ~2 s); every test starts from empty tables.
beforeAll(async () => {
  t = await createTestContext({ leaseTtlMs: 10_000 });
});
beforeEach(() => t.reset());
afterAll(() => t.close());

const SESSION_A = 'session-aaaaaaaa';
const SESSION_B = 'session-bbbbbbbb';
const SESSION_C = 'session-cccccccc';

/** A deterministic stand-in for a render: radiance depends on pixel and sample range, count is exact. */
function fakeResult(lease: Lease, scale = 1): Uint8Array {
  // A lease's result is its task's, then each batched check's (Lease.checks).
  const parts = leaseTasks(lease).map((task) => fakeTaskResult(task, scale));
  return new Uint8Array(concatResults(parts).buffer);
}

function fakeTaskResult(task: RenderTask, scale: number): Float32Array {
  const { region, sampleStart, sampleEnd, pixels, width } = task;
  const samples = sampleEnd - sampleStart;
  const indices =
    pixels ??
    Array.from(
      { length: region.width * region.height },
      (_, p) => (region.y + Math.floor(p / region.width)) * width + region.x + (p % region.width),
    );
  const values = new Float32Array(indices.length * RESULT_CHANNELS);
  indices.forEach((index, p) => {
    const x = index % width;
    const y = Math.floor(index / width);
    const v = ((x + 2 * y) % 7) * 0.25 * samples * scale;
    values.set([v, v / 2, v / 4, v * v, samples], p * RESULT_CHANNELS);
  });
  return values;
}

/**
 * Sessions take turns leasing and honestly submitting until there is no work (units and their checks).
 * Returns the results submitted (a unit or a check each; a lease may carry several) and the leases.
 */
async function drain(sessions: string[]): Promise<{ submitted: number; leases: number }> {
  let submitted = 0;
  let leases = 0;
  for (let idle = 0; idle < sessions.length; ) {
    for (const sessionId of sessions) {
      const l = await leaseUnit(t.ctx, { sessionId });
      if (!l) {
        idle++;
        continue;
      }
      idle = 0;
      await submitResult(t.ctx, { leaseId: l.leaseId, sessionId, body: fakeResult(l) });
      submitted += 1 + (l.checks?.length ?? 0);
      leases++;
    }
  }
  return { submitted, leases };
}

async function lease(session = SESSION_A) {
  const l = await leaseUnit(t.ctx, { sessionId: session });
  if (!l) throw new Error('expected work');
  return l;
}

const smallJob = {
  scene: 'cornell',
  width: 40,
  height: 24,
  samplesPerPixel: 6,
  tileSize: 16,
  samplesPerUnit: 3,
};

describe('leasing', () => {
  it('hands out each unit once, then nothing', async () => {
    const job = await createJob(t.ctx, smallJob);
    expect(job.unitsTotal).toBe(3 * 2 * 2);
    const seen = new Set<number>();
    // Sessions hold MAX_LEASES_HELD leases at most: several sessions take the job's units.
    for (let i = 0; i < job.unitsTotal; i++) seen.add((await lease(`session-many-${i}`)).unitId);
    expect(seen.size).toBe(job.unitsTotal);
    expect(await leaseUnit(t.ctx, { sessionId: SESSION_A })).toBeNull();
    expect((await getJob(t.ctx, job.id)).startedAt).toBe(t.clock.now);
  });

  it('hands one session no more than MAX_LEASES_HELD leases at once: hoarding cannot starve the farm', async () => {
    await createJob(t.ctx, smallJob);
    for (let i = 0; i < MAX_LEASES_HELD; i++) await lease(SESSION_A);
    expect(await leaseUnit(t.ctx, { sessionId: SESSION_A })).toBeNull();
    // Another session still gets work, and the first gets more once a lease lapses.
    expect(await leaseUnit(t.ctx, { sessionId: SESSION_B })).not.toBeNull();
    t.clock.now += 10_001;
    expect(await leaseUnit(t.ctx, { sessionId: SESSION_A })).not.toBeNull();
  });

  it('re-issues a unit whose lease expired, and refuses the late result of the old holder', async () => {
    await createJob(t.ctx, { ...smallJob, samplesPerPixel: 3, width: 16, height: 16 });
    const first = await lease(SESSION_A);
    expect(await leaseUnit(t.ctx, { sessionId: SESSION_B })).toBeNull();

    t.clock.now += 10_001;
    const second = await lease(SESSION_B);
    expect(second.unitId).toBe(first.unitId);
    expect(second.leaseId).not.toBe(first.leaseId);

    await expect(
      submitResult(t.ctx, { leaseId: first.leaseId, sessionId: SESSION_A, body: fakeResult(first) }),
    ).rejects.toMatchObject({ name: 'LeaseError', status: 409 });
    const receipt = await submitResult(t.ctx, {
      leaseId: second.leaseId,
      sessionId: SESSION_B,
      body: fakeResult(second),
    });
    // Accepted for verification; the unit counts once another session's spot check agrees.
    expect(receipt).toMatchObject({
      accepted: true,
      duplicate: false,
      job: { status: 'rendering', unitsDone: 0 },
    });
    await drain([SESSION_A, SESSION_B, SESSION_C]);
    expect(await getJob(t.ctx, receipt.job.id)).toMatchObject({ status: 'done', unitsDone: 1 });
  });

  it('refuses a result that arrives after expiry even if nobody took the unit yet', async () => {
    await createJob(t.ctx, smallJob);
    const l = await lease();
    t.clock.now = l.expiresAt;
    await expect(
      submitResult(t.ctx, { leaseId: l.leaseId, sessionId: SESSION_A, body: fakeResult(l) }),
    ).rejects.toThrow(/expired/);
  });

  it('refuses a result for a lease held by another session, or for no lease at all', async () => {
    await createJob(t.ctx, smallJob);
    const l = await lease(SESSION_A);
    await expect(
      submitResult(t.ctx, { leaseId: l.leaseId, sessionId: SESSION_B, body: fakeResult(l) }),
    ).rejects.toMatchObject({
      status: 409,
    });
    await expect(
      submitResult(t.ctx, { leaseId: 'made-up', sessionId: SESSION_A, body: fakeResult(l) }),
    ).rejects.toMatchObject({
      status: 409,
    });
  });

  it('serves older jobs first and validates the session id', async () => {
    const older = await createJob(t.ctx, smallJob);
    t.clock.now += 1;
    await createJob(t.ctx, smallJob);
    expect((await lease()).jobId).toBe(older.id);
    await expect(leaseUnit(t.ctx, { sessionId: 'x' })).rejects.toMatchObject({ status: 400 });
    await expect(leaseUnit(t.ctx, {})).rejects.toMatchObject({ status: 400 });
  });
});

describe('accumulation', () => {
  it('adds every unit exactly once into the right pixels, after verification, and completes the job', async () => {
    const job = await createJob(t.ctx, smallJob);
    const { submitted, leases } = await drain([SESSION_A, SESSION_B, SESSION_C]);
    const done = await getJob(t.ctx, job.id);
    expect(done).toMatchObject({ status: 'done', unitsDone: 12, completedAt: t.clock.now });
    expect(done.pixelSamplesDone).toBe(40 * 24 * 6);
    expect(done.tiles.every((tile) => tile.samplesDone === 6)).toBe(true);
    // Every unit was checked at least once (each tile has two units), and while its submitter was on
    // probation (its first PROBATION_UNITS units) by every other session there is (two of the
    // PROBATION_CHECKS: a farm of three has no third checker); no check failed.
    const checks = done.tiles.reduce((n, tile) => n + tile.checksPassed, 0);
    expect(checks).toBe(submitted - 12);
    expect(PROBATION_CHECKS).toBeGreaterThan(2);
    expect(checks).toBeGreaterThanOrEqual(12 + PROBATION_UNITS);
    expect(done.tiles.every((tile) => tile.checksPassed >= 2)).toBe(true);
    expect(done.tiles.every((tile) => tile.checksFailed === 0 && tile.unitsRejected === 0)).toBe(true);
    expect(done.verification).toMatchObject({ unitsVerifying: 0, unitsRejected: 0 });
    expect(done.verification.overhead).toBeGreaterThan(0);

    const { sums } = await readAccumulation(t.ctx, job.id);
    for (let y = 0; y < 24; y++) {
      for (let x = 0; x < 40; x++) {
        const base = (y * 40 + x) * RESULT_CHANNELS;
        expect(sums[base + 4]).toBe(6);
        expect(sums[base]).toBeCloseTo(((x + 2 * y) % 7) * 0.25 * 6, 5);
      }
    }
    // Its creation, then every submission (a lease's unit and checks are one submission).
    expect(t.changed.filter((id) => id === job.id)).toHaveLength(1 + leases);
  });

  it('treats a re-sent result as a duplicate and adds nothing', async () => {
    const job = await createJob(t.ctx, smallJob);
    const l = await lease();
    const body = fakeResult(l);
    await submitResult(t.ctx, { leaseId: l.leaseId, sessionId: SESSION_A, body });
    const before = await readAccumulation(t.ctx, job.id);
    const again = await submitResult(t.ctx, { leaseId: l.leaseId, sessionId: SESSION_A, body });
    expect(again.duplicate).toBe(true);
    expect((await readAccumulation(t.ctx, job.id)).sums).toEqual(before.sums);
    expect((await getJob(t.ctx, job.id)).verification.unitsVerifying).toBe(1);
    await drain([SESSION_A, SESSION_B, SESSION_C]);
    const third = await submitResult(t.ctx, { leaseId: l.leaseId, sessionId: SESSION_A, body });
    expect(third.duplicate).toBe(true);
    const done = await getJob(t.ctx, job.id);
    expect(done.status).toBe('done');
    expect(done.tiles.every((tile) => tile.samplesDone === 6)).toBe(true);
  });

  it('rejects malformed results without touching the accumulator, and still accepts the right one', async () => {
    const job = await createJob(t.ctx, smallJob);
    const l = await lease();
    const good = fakeResult(l);
    const floats = () => new Float32Array(good.slice().buffer);
    const withValue = (index: number, value: number) => {
      const f = floats();
      f[index] = value;
      return new Uint8Array(f.buffer);
    };
    const bad: [string, Uint8Array, RegExp][] = [
      ['short', good.subarray(0, good.length - 4), /bytes/],
      ['empty', new Uint8Array(0), /bytes/],
      ['NaN', withValue(7, Number.NaN), /NaN/],
      ['infinite', withValue(0, Number.POSITIVE_INFINITY), /Infinity/],
      ['negative', withValue(1, -1), /-1/],
      ['wrong count', withValue(4, 2), /2 samples/],
    ];
    for (const [, body, message] of bad) {
      await expect(
        submitResult(t.ctx, { leaseId: l.leaseId, sessionId: SESSION_A, body }),
      ).rejects.toMatchObject({
        status: 422,
        shortMessage: expect.stringMatching(message),
      });
    }
    const untouched = await readAccumulation(t.ctx, job.id);
    expect(untouched.sums.every((v) => v === 0)).toBe(true);
    expect((await getJob(t.ctx, job.id)).verification.unitsVerifying).toBe(0);

    await submitResult(t.ctx, { leaseId: l.leaseId, sessionId: SESSION_A, body: good });
    expect((await getJob(t.ctx, job.id)).verification.unitsVerifying).toBe(1);
  });
});

describe('job creation', () => {
  it('answers malformed requests with the fields to fix', async () => {
    await expect(createJob(t.ctx, { scene: 'cornell', width: 64 })).rejects.toMatchObject({
      status: 400,
      metaMessages: expect.arrayContaining([
        expect.stringMatching(/^height/),
        expect.stringMatching(/^samplesPerPixel/),
      ]),
    });
    await expect(createJob(t.ctx, { ...smallJob, extra: 1 })).rejects.toMatchObject({ status: 400 });
    await expect(
      createJob(t.ctx, {
        scene: 'cornell',
        width: 4096,
        height: 4096,
        samplesPerPixel: 65536,
        tileSize: 8,
        samplesPerUnit: 1,
      }),
    ).rejects.toThrow(/work units/);
  });
});
