import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONFIDENCE_LIMITS } from '../protocol/limits';
import { CHANNEL, RESULT_CHANNELS } from '../protocol/result-layout';
import { type FarmApi, type FarmMember, runFarm } from '../testing/farm';
import { renderLeaseHonestly, standInRender } from '../testing/stand-in-renderer';
import { type StrategyId, UNIT_CHEATS } from '../testing/strategies';
import { createTestContext } from '../testing/test-context';
import {
  expectHonestImage as expectHonestImageOf,
  inProcessFarmApi,
  wholeImageTask,
} from '../testing/test-support';
import { readAccumulation } from '../work/job-image';
import { createJob, getJob } from '../work/jobs';
import { leaseUnit } from '../work/lease-unit';
import { submitResult } from '../work/submit-result';
import {
  CROSS_ADAPTER,
  classifierFor,
  imageMetricClassifier,
  SAME_ADAPTER,
  secondMomentClassifier,
} from './classifiers';
import { getContributor } from './contributor-records';

// Each cheat from docs/design.md against the real coordinator and database, with the deterministic stand-in
// renderer (the real renderer's per-pixel reproducibility is proven in lib/render/path-tracer.test.ts, and
// `npm run sim:adversarial` runs the same strategies with it). The assertions are what a requestor and an
// honest contributor would notice: no cheat is credited, no honest unit is rejected, and the finished image is
// exactly the honest one.

type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ leaseTtlMs: 60_000 });
});
beforeEach(() => t.reset());
afterAll(() => t.close());

const api = (): FarmApi => inProcessFarmApi(() => t.ctx);

/** When nobody got work, the checks left are assigned to a session that is gone: let the clock run on. */
const farmOptions = {
  onIdle: () => {
    t.clock.now += 16_000;
  },
};

const JOB = { scene: 'cornell', width: 48, height: 48, samplesPerPixel: 8, tileSize: 16, samplesPerUnit: 2 };

function members(honest: number, strategy: StrategyId, count: number): FarmMember[] {
  return [
    ...Array.from({ length: honest }, (_, i) => ({ strategy: 'honest' as const, origin: `10.0.0.${i + 1}` })),
    ...Array.from({ length: count }, (_, i) => ({ strategy, origin: `10.0.1.${i + 1}` })),
  ];
}

const expectHonestImage = (jobId: string) => expectHonestImageOf(t.ctx, jobId);

describe('spot checks catch every cheat before credit', () => {
  it.each(UNIT_CHEATS)('%s', async (strategy) => {
    // A partial cheat escapes one check with probability 1 - confidence (0.1 % a unit at the default, which
    // sim:adversarial measures); at the highest confidence the check covers all of these small units, so the
    // test cannot pass or fail by luck.
    const confidence = strategy.startsWith('partial') ? CONFIDENCE_LIMITS.max : CONFIDENCE_LIMITS.default;
    const job = await createJob(t.ctx, { ...JOB, confidence });
    const report = await runFarm(api(), members(5, strategy, 2), standInRender, farmOptions);
    const cheat = report.scores.find((s) => s.strategy === strategy);
    const honest = report.scores.find((s) => s.strategy === 'honest');
    expect(cheat?.badUnits).toBeGreaterThan(0);
    expect(cheat?.escaped).toBe(0);
    expect(cheat?.caught).toBe(cheat?.badUnits);
    expect(honest?.honestRejected).toBe(0);
    // Caught cheaters are shut out; each came back as a new session at least once.
    expect(cheat?.sessions).toBeGreaterThan(2);
    await expectHonestImage(job.id);
    const view = await getJob(t.ctx, job.id);
    expect(view.verification.unitsRejected).toBeGreaterThan(0);
    expect(view.tiles.some((tile) => tile.checksFailed > 0)).toBe(true);
  });
});

/** A check's worth of scattered pixels, for comparing renders of it directly. */
const CHECK_TASK = {
  sceneHash: 'x',
  environment: { type: 'uniform' as const, radiance: [1, 1, 1] as [number, number, number] },
  width: 64,
  height: 64,
  seed: 7,
  maxBounces: 4,
  region: { x: 0, y: 0, width: 64, height: 64 },
  sampleStart: 0,
  sampleEnd: 4,
  pixels: Array.from({ length: 135 }, (_, i) => i * 29),
};

describe('across adapter classes', () => {
  it('tolerates the rounding of another GPU but not a faked pixel in a few', async () => {
    const honest = await standInRender(CHECK_TASK);
    const rounded = honest.map((v, i) => (i % RESULT_CHANNELS === 4 ? v : v * (1 + 1e-3 * Math.sin(i))));
    expect(CROSS_ADAPTER.compare(honest, rounded).agree).toBe(true);
    expect(SAME_ADAPTER.compare(honest, rounded).agree).toBe(false);
    const faked = honest.slice();
    for (const p of [3, 40, 99]) faked[p * RESULT_CHANNELS] = (faked[p * RESULT_CHANNELS] as number) * 1.5;
    expect(CROSS_ADAPTER.compare(honest, faked).agree).toBe(false);
    expect(classifierFor('a/b', 'a/b')).toBe(SAME_ADAPTER);
    expect(classifierFor('a/b', 'c/d')).toBe(CROSS_ADAPTER);
    expect(classifierFor(null, null)).toBe(CROSS_ADAPTER);
  });
});

describe('what a comparison looks at', () => {
  it('compares the squared luminance too: right radiance with a made-up second moment fails', async () => {
    const honest = await standInRender(CHECK_TASK);
    const madeUp = honest.slice();
    for (let p = 0; p < 135; p++) madeUp[p * RESULT_CHANNELS + CHANNEL.luminanceSq] = 0;
    expect(SAME_ADAPTER.compare(honest, madeUp).agree).toBe(false);
    expect(CROSS_ADAPTER.compare(honest, madeUp).agree).toBe(false);
    expect(CROSS_ADAPTER.compare(honest, honest.slice()).agree).toBe(true);
  });
});

describe('lying checkers and collusion', () => {
  it('a checker that always fails is outvoted, faulted and quarantined; no honest unit is lost', async () => {
    const job = await createJob(t.ctx, JOB);
    const report = await runFarm(api(), members(5, 'checker-always-fail', 2), standInRender, farmOptions);
    const honest = report.scores.find((s) => s.strategy === 'honest');
    expect(honest?.honestRejected).toBe(0);
    const liars = report.sessions.get('checker-always-fail') ?? [];
    const first = await getContributor(t.ctx.db, liars[0] as string);
    expect(first?.checksFaulted).toBeGreaterThanOrEqual(1);
    expect(first?.quarantinedAt).not.toBeNull();
    await expectHonestImage(job.id);
  });

  it('a checker that vouches for cheaters cannot get their fakes credited', async () => {
    const job = await createJob(t.ctx, JOB);
    const report = await runFarm(
      api(),
      [...members(5, 'partial-20', 2), { strategy: 'checker-always-pass', origin: '10.0.2.1' }],
      standInRender,
      farmOptions,
    );
    const cheat = report.scores.find((s) => s.strategy === 'partial-20');
    expect(cheat?.badUnits).toBeGreaterThan(0);
    expect(cheat?.escaped).toBe(0);
    expect(report.scores.find((s) => s.strategy === 'honest')?.honestRejected).toBe(0);
    await expectHonestImage(job.id);
  });

  it('two colluding sessions that vouch for each other are both caught', async () => {
    const job = await createJob(t.ctx, JOB);
    const report = await runFarm(api(), members(5, 'colluding', 2), standInRender, farmOptions);
    const cheat = report.scores.find((s) => s.strategy === 'colluding');
    expect(cheat?.badUnits).toBeGreaterThan(0);
    expect(cheat?.escaped).toBe(0);
    expect(report.scores.find((s) => s.strategy === 'honest')?.honestRejected).toBe(0);
    await expectHonestImage(job.id);
  });

  it('never hands a check to the submitter or to its network origin', async () => {
    await createJob(t.ctx, { ...JOB, width: 16, height: 16, samplesPerPixel: 2 });
    const unit = await leaseUnit(t.ctx, { sessionId: 'submitter-1' }, { origin: '10.9.9.9' });
    if (!unit) throw new Error('expected a unit');
    const data = await renderLeaseHonestly(unit);
    await submitResult(t.ctx, {
      leaseId: unit.leaseId,
      sessionId: 'submitter-1',
      body: new Uint8Array(data.buffer),
    });
    // Same session, and a fresh session from the same origin: nothing (the only open work is the check).
    expect(await leaseUnit(t.ctx, { sessionId: 'submitter-1' }, { origin: '10.9.9.9' })).toBeNull();
    expect(await leaseUnit(t.ctx, { sessionId: 'sybil-0001' }, { origin: '10.9.9.9' })).toBeNull();
    const check = await leaseUnit(t.ctx, { sessionId: 'checker-01' }, { origin: '10.1.1.1' });
    expect(check?.task.pixels?.length).toBeGreaterThan(0);
    expect(check?.task.sampleStart).toBe(unit.task.sampleStart);
  });
});

describe('independent-seed classifiers', () => {
  const task = (seed: number) => ({
    sceneHash: 'x',
    environment: { type: 'uniform' as const, radiance: [1, 1, 1] as [number, number, number] },
    width: 64,
    height: 64,
    seed,
    maxBounces: 4,
    region: { x: 0, y: 0, width: 64, height: 64 },
    sampleStart: 0,
    sampleEnd: 32,
  });

  it('passes two honest renders with different seeds and fails a scaled one', async () => {
    const classifier = secondMomentClassifier();
    const a = await standInRender(task(1));
    const b = await standInRender(task(2));
    expect(classifier.compare(a, b).agree).toBe(true);
    const scaled = b.map((v, i) =>
      i % RESULT_CHANNELS === 4 ? v : v * (i % RESULT_CHANNELS === 3 ? 0.81 : 0.9),
    );
    expect(classifier.compare(a, scaled).agree).toBe(false);
    const black = b.map((v, i) => (i % RESULT_CHANNELS === 4 ? v : 0));
    expect(classifier.compare(a, black).agree).toBe(false);
  });

  it('image metrics pass honest replicas and fail scaled and blurred ones', async () => {
    const classifier = imageMetricClassifier({ width: 64, height: 64 });
    const a = await standInRender(task(1));
    const b = await standInRender(task(2));
    const honest = classifier.compare(a, b);
    expect(honest.agree).toBe(true);
    const scaled = b.map((v, i) =>
      i % RESULT_CHANNELS === 4 ? v : v * (i % RESULT_CHANNELS === 3 ? 0.81 : 0.9),
    );
    expect(classifier.compare(a, scaled).agree).toBe(false);
    // A 3x3 box blur of the sums: the mean stays, the noise (the edge energy) goes.
    const blurred = b.slice();
    for (let y = 1; y < 63; y++) {
      for (let x = 1; x < 63; x++) {
        for (let c = 0; c < 4; c++) {
          let sum = 0;
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++)
              sum += b[((y + dy) * 64 + x + dx) * RESULT_CHANNELS + c] as number;
          blurred[(y * 64 + x) * RESULT_CHANNELS + c] = sum / 9;
        }
      }
    }
    expect(classifier.compare(a, blurred).agree).toBe(false);
  });
});

describe('independent-seed redundancy', () => {
  const REDUNDANT = { ...JOB, samplesPerUnit: 4, redundancy: 'independent-seeds' };

  it('keeps both honest replicas (twice the samples), each pair compared before its spot checks', async () => {
    const job = await createJob(t.ctx, REDUNDANT);
    expect(job.unitsTotal).toBe(9 * 2 * 2);
    const report = await runFarm(api(), members(5, 'honest', 0), standInRender, farmOptions);
    expect(report.scores.find((s) => s.strategy === 'honest')?.honestRejected).toBe(0);
    const done = await getJob(t.ctx, job.id);
    expect(done.status).toBe('done');
    expect(done.verification).toMatchObject({ redundancy: 'independent-seeds', unitsRejected: 0 });
    // (A pair test may fail an honest pair now and then: that costs stricter spot checks, never the work.)
    expect(done.tiles.every((tile) => tile.samplesDone === 16)).toBe(true);
    const { sums } = await readAccumulation(t.ctx, job.id);
    const honest = await standInRender({
      ...wholeImageTask(done.spec),
      sampleEnd: 2 * done.spec.samplesPerPixel,
    });
    for (let i = 0; i < honest.length; i++) expect(sums[i]).toBeCloseTo(honest[i] as number, 3);
  });

  it('a pair that disagrees gets strict spot checks, which reject the cheat and keep the honest replica', async () => {
    const job = await createJob(t.ctx, REDUNDANT);
    const report = await runFarm(api(), members(5, 'biased-scale', 1), standInRender, farmOptions);
    const cheat = report.scores.find((s) => s.strategy === 'biased-scale');
    expect(cheat?.badUnits).toBeGreaterThan(0);
    expect(cheat?.escaped).toBe(0);
    expect(report.scores.find((s) => s.strategy === 'honest')?.honestRejected).toBe(0);
    const done = await getJob(t.ctx, job.id);
    expect(done.status).toBe('done');
    expect(done.tiles.some((tile) => tile.checksFailed > 0)).toBe(true);
    expect(done.verification.unitsRejected).toBeGreaterThan(0);
  });
});
