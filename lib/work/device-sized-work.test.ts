import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Lease } from '../protocol/api-types';
import { LeaseError } from '../protocol/errors';
import { RESULT_CHANNELS } from '../protocol/result-layout';
import { renderLeaseHonestly } from '../testing/stand-in-renderer';
import { createTestContext } from '../testing/test-context';
import { expectHonestImage, STAND_IN_ADAPTER } from '../testing/test-support';
import { PROBATION_CHECKS, PROBATION_UNITS } from '../verification/policy';
import { UNIT_SIZING } from './carve';
import { createJob, getJob } from './jobs';
import { leaseUnit } from './lease-unit';
import { releaseLease } from './release-lease';
import { submitResult } from './submit-result';

// Units sized to the device that leases them (lib/work/carve.ts), through the real coordinator and database,
// on a clock the test moves: a device's speed is how fast the test makes its results arrive.
type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ leaseTtlMs: 60_000 });
});
beforeEach(() => t.reset());
afterAll(() => t.close());

const pixelSamples = (l: Lease) =>
  (l.task.pixels?.length ?? l.task.region.width * l.task.region.height) *
  (l.task.sampleEnd - l.task.sampleStart);

async function lease(sessionId: string): Promise<Lease | null> {
  return leaseUnit(t.ctx, { sessionId, adapter: STAND_IN_ADAPTER }, { origin: `origin-${sessionId}` });
}

async function submit(l: Lease, sessionId: string): Promise<void> {
  const data = await renderLeaseHonestly(l);
  await submitResult(t.ctx, { leaseId: l.leaseId, sessionId, body: new Uint8Array(data.buffer) });
}

/** A device of `speed` pixel-samples/s renders `l`: the clock moves by its render time, then it submits. */
async function renderAt(speed: number, l: Lease, sessionId: string): Promise<void> {
  t.clock.now += Math.ceil((pixelSamples(l) / speed) * 1000);
  await submit(l, sessionId);
}

describe('work sized to the device', () => {
  it('starts a newcomer on a safe unit and grows a fast device to seconds of its measured speed', async () => {
    await createJob(t.ctx, {
      scene: 'cornell',
      width: 256,
      height: 256,
      samplesPerPixel: 4096,
      tileSize: 64,
    });
    const sizes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const l = await lease('fast-gpu-1');
      if (!l) break;
      if (l.task.pixels) continue; // a check of somebody else's unit: not ours to time here
      sizes.push(pixelSamples(l));
      await renderAt(2e9, l, 'fast-gpu-1');
    }
    expect(sizes[0]).toBe(UNIT_SIZING.firstUnit);
    // Never more than GROWTH per step, and it reaches units of hundreds of millions of pixel-samples.
    for (let i = 1; i < sizes.length; i++)
      expect(sizes[i] as number).toBeLessThanOrEqual((sizes[i - 1] as number) * 8);
    expect(Math.max(...sizes)).toBeGreaterThan(100e6);
  });

  it('keeps a slow device on short units, whatever speed it claims', async () => {
    await createJob(t.ctx, {
      scene: 'cornell',
      width: 256,
      height: 256,
      samplesPerPixel: 4096,
      tileSize: 64,
    });
    const sizes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const l = await lease('slow-gpu-1');
      if (!l) break;
      sizes.push(pixelSamples(l));
      await renderAt(50_000, l, 'slow-gpu-1');
    }
    // 0.05 M pixel-samples/s x 3 s: 150 k, one tile and a few dozen samples.
    expect(sizes.at(-1)).toBeLessThanOrEqual(200_000);
    expect(sizes.at(-1)).toBeGreaterThanOrEqual(100_000);
  });

  it('renders a job of mixed devices, big units and small, into exactly the honest image', async () => {
    const job = await createJob(t.ctx, {
      scene: 'cornell',
      width: 200,
      height: 136,
      samplesPerPixel: 96,
      tileSize: 32,
    });
    const devices = [
      { id: 'fast-aaaaaaaa', speed: 2e9 },
      { id: 'mid-bbbbbbbbb', speed: 5e6 },
      { id: 'slow-cccccccc', speed: 60_000 },
      { id: 'slow-dddddddd', speed: 40_000 },
    ];
    const regions = new Set<string>();
    for (let round = 0, idle = 0; idle < devices.length * 3 && round < 5000; round++) {
      const device = devices[round % devices.length] as (typeof devices)[number];
      const l = await lease(device.id);
      if (!l) {
        idle++;
        t.clock.now += 1000;
        continue;
      }
      idle = 0;
      if (!l.task.pixels) regions.add(`${l.task.region.width}x${l.task.region.height}`);
      await renderAt(device.speed, l, device.id);
    }
    await expectHonestImage(t.ctx, job.id);
    // Both kinds of units were handed out: single tiles for slow devices, multi-tile rectangles for fast ones.
    expect(regions.has('32x32')).toBe(true);
    expect([...regions].some((r) => Number(r.split('x')[0]) * Number(r.split('x')[1]) > 32 * 32)).toBe(true);
    const done = await getJob(t.ctx, job.id);
    expect(done.pixelSamplesDone).toBe(200 * 136 * 96);
  });

  it('carves each unit with its independent-seed replica, and the pair renders twice the samples exactly', async () => {
    const job = await createJob(t.ctx, {
      scene: 'cornell',
      width: 96,
      height: 64,
      samplesPerPixel: 32,
      tileSize: 32,
      redundancy: 'independent-seeds',
    });
    const devices = ['replica-aaaaaaa1', 'replica-aaaaaaa2', 'replica-aaaaaaa3', 'replica-aaaaaaa4'];
    for (let round = 0, idle = 0; idle < devices.length * 3 && round < 3000; round++) {
      const who = devices[round % devices.length] as string;
      const l = await lease(who);
      if (!l) {
        idle++;
        t.clock.now += 1000;
        continue;
      }
      idle = 0;
      await renderAt(5e6, l, who);
    }
    const done = await getJob(t.ctx, job.id);
    expect(done.status).toBe('done');
    expect(done.pixelSamplesDone).toBe(96 * 64 * 32 * 2);
  });

  it('re-issues a straggler’s unit to an idle fast device; the first result counts once, the late copy is refused', async () => {
    const job = await createJob(t.ctx, {
      scene: 'cornell',
      width: 64,
      height: 64,
      samplesPerPixel: 16,
      tileSize: 32,
    });
    // A second job, newer (leases take the oldest job first), keeps the fast device busy and measured.
    t.clock.now += 1000;
    const warm = await createJob(t.ctx, {
      scene: 'cornell',
      width: 64,
      height: 64,
      samplesPerPixel: 64,
      tileSize: 32,
    });
    expect(warm.id).not.toBe(job.id);
    // The slow newcomer takes the first job's work (its first unit covers the whole 64 x 64 x 16 frame).
    const slow = await lease('slow-straggler');
    expect(slow && pixelSamples(slow)).toBe(64 * 64 * 16);
    if (!slow) throw new Error('expected work');
    // The fast device works; once the first job has nothing left to carve, it gets a backup copy of the
    // slow device's unit.
    let backup: Lease | null = null;
    for (let i = 0; i < 20 && !backup; i++) {
      const l = await lease('fast-finisher');
      if (!l) break;
      if (!l.task.pixels && l.unitId !== slow.unitId && l.jobId === job.id) backup = l;
      else await renderAt(2e9, l, 'fast-finisher');
    }
    expect(backup, 'a backup copy of the straggler’s unit').not.toBeNull();
    if (!backup) return;
    expect(backup.task.region).toEqual(slow.task.region);
    expect([backup.task.sampleStart, backup.task.sampleEnd]).toEqual([
      slow.task.sampleStart,
      slow.task.sampleEnd,
    ]);
    await renderAt(2e9, backup, 'fast-finisher');
    // Checks by other sessions verify the backup; the first copy verified counts and voids the other.
    for (let round = 0, idle = 0; idle < 25 && round < 500; round++) {
      const who = ['checker-aaaaaaa1', 'checker-aaaaaaa2', 'checker-aaaaaaa3'][round % 3] as string;
      const l = await lease(who);
      if (!l) {
        idle++;
        t.clock.now += 1000;
        continue;
      }
      idle = 0;
      await renderAt(5e6, l, who);
    }
    expect((await getJob(t.ctx, job.id)).status).toBe('done');
    // The straggler finishes later: its copy is void, and it is told another contributor finished first.
    const data = await renderLeaseHonestly(slow);
    await expect(
      submitResult(t.ctx, {
        leaseId: slow.leaseId,
        sessionId: 'slow-straggler',
        body: new Uint8Array(data.buffer),
      }),
    ).rejects.toThrow(/finished this unit first/);
    await expectHonestImage(t.ctx, job.id);
  });

  it('re-issues an expired big unit only to a device that can render it in time', async () => {
    await createJob(t.ctx, { scene: 'cornell', width: 128, height: 128, samplesPerPixel: 512, tileSize: 64 });
    // A fast device is measured and gets a big unit, then vanishes with it.
    let big: Lease | null = null;
    for (let i = 0; i < 12; i++) {
      const l = await lease('fast-vanisher');
      if (!l) break;
      if (pixelSamples(l) >= 128 * 128 * 256) {
        big = l;
        break;
      }
      await renderAt(2e9, l, 'fast-vanisher');
    }
    expect(big, 'a big unit').not.toBeNull();
    if (!big) return;
    t.clock.now += 61_000; // its lease expired
    // A newcomer (a safe first unit) is not handed the expired big unit while a faster device might come...
    const small = await lease('newcomer-slow');
    expect(small?.unitId).not.toBe(big.unitId);
    // ...but once it has waited OPEN_TO_ANYONE_MS nobody is left waiting for a fast device for good.
    t.clock.now += 31_000;
    let any: Lease | null = null;
    for (let i = 0; i < 8; i++) {
      any = await lease('newcomer-two');
      if (!any?.task.pixels) break;
      await renderAt(5e6, any, 'newcomer-two'); // checks come first
    }
    expect(any?.unitId).toBe(big.unitId);
  });

  it('takes back a lease its holder gives back: the unit goes to the next device at once, not after it lapses', async () => {
    await createJob(t.ctx, { scene: 'cornell', width: 64, height: 64, samplesPerPixel: 8, tileSize: 64 });
    const first = await lease('paused-tab-1');
    if (!first) throw new Error('expected work');
    // Another session cannot release it (the lease id alone is not enough).
    expect(await releaseLease(t.ctx, { leaseId: first.leaseId, sessionId: 'someone-else-1' })).toEqual({
      released: false,
    });
    expect(await releaseLease(t.ctx, { leaseId: first.leaseId, sessionId: 'paused-tab-1' })).toEqual({
      released: true,
    });
    const next = await lease('other-tab-01');
    expect(next?.unitId).toBe(first.unitId);
    // Its old holder's result is refused.
    const data = await renderLeaseHonestly(first);
    await expect(
      submitResult(t.ctx, {
        leaseId: first.leaseId,
        sessionId: 'paused-tab-1',
        body: new Uint8Array(data.buffer),
      }),
    ).rejects.toBeInstanceOf(LeaseError);
  });
});

describe('spot checks batched into a lease', () => {
  /** Four newcomers each submit one unit; every one of those units now waits on its probation checks. */
  async function unitsAwaitingChecks() {
    await createJob(t.ctx, {
      scene: 'cornell',
      width: 256,
      height: 256,
      samplesPerPixel: 4096,
      tileSize: 64,
    });
    for (const id of ['newcomer-aaaa1', 'newcomer-aaaa2', 'newcomer-aaaa3', 'newcomer-aaaa4']) {
      // (A newcomer may be handed a check of an earlier newcomer's unit first.)
      for (let units = 0; units < 1; ) {
        const l = await lease(id);
        if (!l) throw new Error('expected work');
        if (!l.task.pixels) units++;
        await renderAt(5e6, l, id);
      }
    }
    // Past the drawn checkers' hold: any device fast enough may take the checks.
    t.clock.now += 10_000;
  }

  /** A device the coordinator has timed (a newcomer takes one check or one unit at a time). */
  async function timedDevice(id: string): Promise<void> {
    const first = await lease(id);
    if (!first) throw new Error('expected work');
    await renderAt(2e9, first, id);
  }

  it('hands a timed device its unit and many checks in one lease, and settles them all from one result', async () => {
    await unitsAwaitingChecks();
    await timedDevice('batcher-aaaaaaa');
    const l = await lease('batcher-aaaaaaa');
    expect(l?.task.pixels).toBeUndefined(); // a unit...
    expect(l?.checks?.length).toBeGreaterThanOrEqual(2); // ...and the checks, in one round trip
    if (!l?.checks) return;
    const checked = new Set(l.checks.map((c) => c.unitId));
    expect(checked.size).toBe(l.checks.length); // one check per submission: independent checkers
    const before = await getJob(t.ctx, l.jobId);
    await renderAt(2e9, l, 'batcher-aaaaaaa');
    const rows = await t.ctx.db.query<{ state: string }>('SELECT state FROM checks WHERE lease_id = $1', [
      l.leaseId,
    ]);
    expect(rows.map((r) => r.state)).toEqual(l.checks.map(() => 'done'));
    const after = await getJob(t.ctx, l.jobId);
    const passed = (j: typeof after) => j.tiles.reduce((n, tile) => n + tile.checksPassed, 0);
    expect(passed(after) - passed(before)).toBe(l.checks.length);
  });

  it('refuses a batched result that is short of a check, and takes nothing from it', async () => {
    await unitsAwaitingChecks();
    await timedDevice('batcher-bbbbbbb');
    const l = await lease('batcher-bbbbbbb');
    if (!l?.checks?.length) throw new Error('expected a lease with checks');
    const whole = await renderLeaseHonestly(l);
    const lastCheck = (l.checks.at(-1)?.task.pixels?.length ?? 0) * RESULT_CHANNELS;
    const short = whole.subarray(0, whole.length - lastCheck);
    await expect(
      submitResult(t.ctx, {
        leaseId: l.leaseId,
        sessionId: 'batcher-bbbbbbb',
        body: new Uint8Array(short.buffer, short.byteOffset, short.byteLength),
      }),
    ).rejects.toThrow(/results are \d+ bytes together/);
    const rows = await t.ctx.db.query<{ state: string }>(
      `SELECT state FROM units WHERE lease_id = $1 UNION ALL SELECT state FROM checks WHERE lease_id = $1`,
      [l.leaseId],
    );
    expect(rows.every((r) => r.state === 'leased')).toBe(true);
    // The whole result is still taken.
    await submitResult(t.ctx, {
      leaseId: l.leaseId,
      sessionId: 'batcher-bbbbbbb',
      body: new Uint8Array(whole.buffer),
    });
  });

  it('gives a batch’s checks back with its unit when the lease is released', async () => {
    await unitsAwaitingChecks();
    await timedDevice('batcher-ccccccc');
    const l = await lease('batcher-ccccccc');
    if (!l?.checks?.length) throw new Error('expected a lease with checks');
    expect(await releaseLease(t.ctx, { leaseId: l.leaseId, sessionId: 'batcher-ccccccc' })).toEqual({
      released: true,
    });
    const open = await t.ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM checks WHERE state = 'pending' AND id = ANY (
         SELECT id FROM checks WHERE unit_id = ANY ($1::bigint[]))`,
      [l.checks.map((c) => c.unitId)],
    );
    expect(open[0]?.n).toBeGreaterThanOrEqual(l.checks.length);
    // Another device gets them.
    await timedDevice('batcher-ddddddd');
    const again = await lease('batcher-ddddddd');
    expect(again?.checks?.length ?? 0).toBeGreaterThan(0);
  });
});

describe('the end of probation', () => {
  it('decides a newly trusted session’s waiting units by what a trusted unit needs, not by probation', async () => {
    await createJob(t.ctx, {
      scene: 'cornell',
      width: 256,
      height: 256,
      samplesPerPixel: 4096,
      tileSize: 64,
    });
    const submitter = 'probation-sssss';
    const submitted: number[] = [];
    for (let i = 0; i < 6; i++) {
      const l = await lease(submitter);
      if (!l || l.task.pixels) throw new Error('expected a unit');
      submitted.push(l.unitId);
      await renderAt(5e6, l, submitter);
    }
    // Three honest checkers work the farm; the submitter stays active (it leases and gives work back).
    const checkers = ['probation-aaaaa', 'probation-bbbbb', 'probation-ccccc'];
    // All of them are active from the start (else a lone checker's check would be the most the farm has).
    for (const id of checkers) {
      const l = await lease(id);
      if (l) await releaseLease(t.ctx, { leaseId: l.leaseId, sessionId: id });
    }
    for (let idle = 0; idle < 12; ) {
      let worked = false;
      for (const id of checkers) {
        const l = await lease(id);
        if (!l) continue;
        worked = true;
        await renderAt(5e6, l, id);
      }
      const held = await lease(submitter);
      if (held) await releaseLease(t.ctx, { leaseId: held.leaseId, sessionId: submitter });
      if (worked) idle = 0;
      else {
        idle++;
        t.clock.now += 1000;
      }
    }
    const rows = await t.ctx.db.query<{ id: number; state: string; checks: number }>(
      `SELECT u.id, u.state, (SELECT count(*)::int FROM checks c WHERE c.unit_id = u.id AND c.state = 'done') AS checks
       FROM units u WHERE u.id = ANY ($1::bigint[]) ORDER BY u.id`,
      [submitted],
    );
    expect(rows.map((r) => r.state)).toEqual(submitted.map(() => 'done'));
    // The first PROBATION_UNITS had probation's three checkers each; a unit still waiting when the
    // session earned trust was accepted with the agreeing checks it already had.
    expect(rows.filter((r) => r.checks >= PROBATION_CHECKS).length).toBeGreaterThanOrEqual(PROBATION_UNITS);
    expect(rows.some((r) => r.checks < PROBATION_CHECKS)).toBe(true);
  });
});
