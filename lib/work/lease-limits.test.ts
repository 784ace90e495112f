import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitedError } from '../protocol/errors';
import { JOB_SIZE_LIMITS, LEASE_LIMITS } from '../protocol/limits';
import { leaseTasks, RESULT_CHANNELS, taskPixelCount } from '../protocol/result-layout';
import { DEPOSIT_EXPIRY_MARGIN_SECONDS } from '../settlement/work-funding';
import { createTestContext } from '../testing/test-context';
import { createJob } from './jobs';
import { leaseUnit } from './lease-unit';
import { releaseLease } from './release-lease';
import { submitResult } from './submit-result';

// What leasing will spend, and on whom: attacks a free session, a free origin and a free job make.

type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ leaseTtlMs: 10_000 });
});
beforeEach(() => t.reset());
afterAll(() => t.close());

/** 64 fixed units: 8 x 8 tiles of 8 px, one sample each. */
const manyUnits = {
  scene: 'cornell',
  width: 64,
  height: 64,
  samplesPerPixel: 1,
  tileSize: 8,
  samplesPerUnit: 1,
};

/** Gives a job a payment row as if the chain said so (1 wei per pixel-sample). */
async function pay(jobId: string, payment: { state: string; depositedWei: bigint; expiresAt: number }) {
  await t.ctx.db.query(
    `INSERT INTO job_payments (job_id, chain_job_id, price_wei, budget_wei, state, deposited_wei, expires_at)
     VALUES ($1, $2, 1, $3, $4, $3, $5)`,
    [
      jobId,
      `0x${jobId.replaceAll('-', '').padEnd(64, '0')}`,
      payment.depositedWei.toString(),
      payment.state,
      payment.expiresAt,
    ],
  );
}

const nowSeconds = () => Math.floor(t.clock.now / 1000);
const aMonthAhead = () => nowSeconds() + 30 * 24 * 3600;

function honestBody(lease: NonNullable<Awaited<ReturnType<typeof leaseUnit>>>): Uint8Array {
  const floats = leaseTasks(lease).reduce((n, task) => n + taskPixelCount(task) * RESULT_CHANNELS, 0);
  const data = new Float32Array(floats);
  for (let p = 0; p < data.length; p += RESULT_CHANNELS) data.set([0.5, 0.5, 0.5, 0.25, 1], p);
  return new Uint8Array(data.buffer);
}

describe('a paid job whose payment cannot pay gets no work done', () => {
  for (const [what, state, expiresIn] of [
    ['held (its settlement was voided)', 'held', 30 * 24 * 3600],
    ['refunded', 'refunded', 30 * 24 * 3600],
    ['closed', 'closed', 30 * 24 * 3600],
    ['whose deposit expires within the margin', 'funded', DEPOSIT_EXPIRY_MARGIN_SECONDS - 60],
  ] as const) {
    it(what, async () => {
      const job = await createJob(t.ctx, manyUnits);
      await pay(job.id, { state, depositedWei: 10n ** 18n, expiresAt: nowSeconds() + expiresIn });
      expect(await leaseUnit(t.ctx, { sessionId: 'session-contributor' })).toBeNull();
    });
  }

  it('whose earned credit reached its deposit, while a funded one with credit to spare still leases', async () => {
    const job = await createJob(t.ctx, manyUnits);
    // 1 wei per pixel-sample: 64 + 64 pixel-samples of credit use the deposit of 128 wei up.
    await pay(job.id, { state: 'funded', depositedWei: 128n, expiresAt: aMonthAhead() });
    expect(await leaseUnit(t.ctx, { sessionId: 'session-a' })).not.toBeNull();
    await t.ctx.db.query(`INSERT INTO job_credit_totals (job_id, pixel_samples) VALUES ($1, 128)`, [job.id]);
    expect(await leaseUnit(t.ctx, { sessionId: 'session-b' })).toBeNull();
  });

  it('nor its spot checks', async () => {
    const job = await createJob(t.ctx, { ...manyUnits, width: 8, height: 8 });
    await pay(job.id, { state: 'funded', depositedWei: 10n ** 18n, expiresAt: aMonthAhead() });
    const unit = await leaseUnit(t.ctx, { sessionId: 'session-a' });
    if (!unit) throw new Error('expected the unit');
    await submitResult(t.ctx, { leaseId: unit.leaseId, sessionId: 'session-a', body: honestBody(unit) });
    await t.ctx.db.query(`UPDATE job_payments SET state = 'refunded' WHERE job_id = $1`, [job.id]);
    expect(await leaseUnit(t.ctx, { sessionId: 'session-b' })).toBeNull();
    await t.ctx.db.query(`UPDATE job_payments SET state = 'funded' WHERE job_id = $1`, [job.id]);
    const check = await leaseUnit(t.ctx, { sessionId: 'session-b' });
    expect(check?.task.pixels?.length).toBeGreaterThan(0);
  });
});

describe('what one origin may hold', () => {
  it(`hands the sessions of one origin ${LEASE_LIMITS.perOrigin} leases at most, and others still get work`, async () => {
    await createJob(t.ctx, { ...manyUnits, width: 128 }); // 128 units
    const origin = '203.0.113.7';
    let granted = 0;
    let refused: unknown = null;
    for (let i = 0; i < LEASE_LIMITS.perOrigin + 5 && !refused; i++) {
      try {
        if (await leaseUnit(t.ctx, { sessionId: `session-sybil-${i}` }, { origin })) granted++;
      } catch (error) {
        refused = error;
      }
    }
    expect(granted).toBe(LEASE_LIMITS.perOrigin);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterSeconds).toBeGreaterThan(0);
    expect(
      await leaseUnit(t.ctx, { sessionId: 'session-neighbour' }, { origin: '198.51.100.4' }),
    ).not.toBeNull();
  });
});

describe('letting leases lapse', () => {
  it('costs a session a growing wait, a few forgiven, and is reset by a result delivered in time', async () => {
    await createJob(t.ctx, manyUnits);
    const streak = async () =>
      Number(
        (
          await t.ctx.db.query<{ n: number }>(
            `SELECT count(*) AS n FROM lease_lapses l JOIN contributors c ON c.session_id = l.session_id
             WHERE l.session_id = 'session-lapser' AND l.lapsed_at > COALESCE(c.last_submit_at, 0)`,
          )
        )[0]?.n ?? 0,
      );
    /** The lapser leases and lets the lease lapse; someone else then takes (and gives back) what is open. */
    const lapse = async () => {
      const held = await leaseUnit(t.ctx, { sessionId: 'session-lapser' });
      if (!held) throw new Error('expected work');
      t.clock.now += 10_001;
      const other = `session-other-${t.clock.now}`;
      const taken = await leaseUnit(t.ctx, { sessionId: other });
      if (taken) await releaseLease(t.ctx, { leaseId: taken.leaseId, sessionId: other });
    };
    // Forgiven: a closed tab, a sleeping laptop.
    for (let i = 0; i < LEASE_LIMITS.lapsesForgiven; i++) await lapse();
    await lapse();
    // Coming back, the lapser's own lapsed leases count (if nobody took their work yet).
    const refused = await leaseUnit(t.ctx, { sessionId: 'session-lapser' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(await streak()).toBe(LEASE_LIMITS.lapsesForgiven + 1);
    // The wait after the first lapse not forgiven is the base penalty, from the lapse 1 ms ago.
    expect((refused as RateLimitedError).retryAfterSeconds).toBe(LEASE_LIMITS.lapsePenaltyMs / 1000);
    t.clock.now += LEASE_LIMITS.lapsePenaltyMs;
    await lapse();
    const longer = await leaseUnit(t.ctx, { sessionId: 'session-lapser' }).catch((e: unknown) => e);
    expect((longer as RateLimitedError).retryAfterSeconds).toBe((2 * LEASE_LIMITS.lapsePenaltyMs) / 1000);

    t.clock.now += 2 * LEASE_LIMITS.lapsePenaltyMs;
    const kept = await leaseUnit(t.ctx, { sessionId: 'session-lapser' });
    if (!kept) throw new Error('expected work after the wait');
    await submitResult(t.ctx, { leaseId: kept.leaseId, sessionId: 'session-lapser', body: honestBody(kept) });
    expect(await streak()).toBe(0);
    await lapse(); // the streak started again: forgiven
    expect(await leaseUnit(t.ctx, { sessionId: 'session-lapser' })).not.toBeNull();
  });
});

describe('what one job may ask for', () => {
  it('refuses an unpaid job bigger than volunteers render for free', async () => {
    const huge = { scene: 'cornell', width: 4096, height: 4096, samplesPerPixel: 4096 };
    await expect(createJob(t.ctx, huge)).rejects.toThrow(/unpaid job may render at most/);
    await expect(createJob(t.ctx, { ...huge, samplesPerPixel: 1024 })).resolves.toBeTruthy();
  });

  it('refuses fixed units too big for a slow device to render within a lease', async () => {
    // 200k units of 256² px x 65536 samples (4.3 G pixel-samples each) was the attack.
    const request = { scene: 'cornell', width: 512, height: 256, samplesPerPixel: 65_536, tileSize: 256 };
    await expect(createJob(t.ctx, { ...request, samplesPerUnit: 65_536 })).rejects.toThrow(
      /Each work unit would be 4294967296 pixel-samples/,
    );
    const fits = JOB_SIZE_LIMITS.maxFixedUnitPixelSamples / (256 * 256);
    await expect(
      createJob(t.ctx, { ...request, samplesPerPixel: fits, samplesPerUnit: fits }),
    ).resolves.toBeTruthy();
  });

  it(`lets one origin have ${JOB_SIZE_LIMITS.maxOpenFreeJobsPerOrigin} unpaid jobs rendering at once`, async () => {
    const origin = '203.0.113.9';
    for (let i = 0; i < JOB_SIZE_LIMITS.maxOpenFreeJobsPerOrigin; i++)
      await createJob(t.ctx, manyUnits, { origin });
    const refused = await createJob(t.ctx, manyUnits, { origin }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(String((refused as Error).message)).toMatch(/unpaid jobs rendering/);
    await expect(createJob(t.ctx, manyUnits, { origin: '198.51.100.9' })).resolves.toBeTruthy();
  });
});
