import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../coordinator/metrics';
import { runFarm } from '../testing/farm';
import { standInRender } from '../testing/stand-in-renderer';
import { createTestContext } from '../testing/test-context';
import { inProcessFarmApi, STAND_IN_ADAPTER } from '../testing/test-support';
import { recordUnitVerdict, touchContributor } from '../verification/contributor-records';
import { QUARANTINE_AFTER_REJECTIONS } from '../verification/policy';
import { createJob } from './jobs';
import { leaseUnit } from './lease-unit';
import { OPERATOR_PAGE, operatorView, paymentsLeader, STUCK_ATTEMPTS } from './operator-view';

let t: Awaited<ReturnType<typeof createTestContext>>;
beforeAll(async () => {
  t = await createTestContext({ leaseTtlMs: 60_000 });
});
afterAll(() => t.close());
beforeEach(() => t.reset());

const JOB = { scene: 'cornell', width: 32, height: 16, samplesPerPixel: 4, tileSize: 16, samplesPerUnit: 2 };

/** A session quarantined the way the coordinator does it: rejected results, one after another. */
async function quarantine(sessionId: string) {
  await touchContributor(t.ctx.db, { sessionId, origin: '10.9.0.1', adapterClass: 'stand-in' }, t.clock.now);
  for (let i = 0; i < QUARANTINE_AFTER_REJECTIONS; i++)
    await recordUnitVerdict(t.ctx.db, sessionId, false, t.clock.now);
}

describe('the operator view', () => {
  it('lists a lease that lapsed as a stuck unit, and says nothing is stuck before the deadline', async () => {
    const job = await createJob(t.ctx, JOB);
    const lease = await leaseUnit(t.ctx, { sessionId: 'gone-away', adapter: STAND_IN_ADAPTER }, {});
    expect(lease).not.toBeNull();
    expect((await operatorView(t.ctx)).stuck).toEqual({ rows: [], total: 0 });
    t.clock.now += 61_000;
    const view = await operatorView(t.ctx);
    expect(view.stuck.total).toBe(1);
    expect(view.stuck.rows[0]).toMatchObject({
      jobId: job.id,
      state: 'leased',
      sessionId: 'gone-away',
      why: 'lease-lapsed',
      attempts: 1,
    });
    expect(view.figures.stuckUnits).toBe(1);
    expect(view.figures.units.leased).toBe(1);
    expect(view.figures.jobs.rendering).toBe(1);
  });

  it('lists a unit handed out again and again as stuck, though its latest lease is live', async () => {
    await createJob(t.ctx, JOB);
    for (let i = 0; i < STUCK_ATTEMPTS; i++) {
      const lease = await leaseUnit(
        t.ctx,
        { sessionId: `flaky-session-${i}`, adapter: STAND_IN_ADAPTER },
        {},
      );
      expect(lease).not.toBeNull();
      // Every lease lapses but the last: each next session is handed the same (oldest open) unit.
      if (i < STUCK_ATTEMPTS - 1) t.clock.now += 61_000;
    }
    const view = await operatorView(t.ctx);
    const retried = view.stuck.rows.filter((r) => r.why === 'retried');
    expect(retried).toHaveLength(1);
    expect(retried[0]?.attempts).toBe(STUCK_ATTEMPTS);
  });

  it('pages quarantined sessions newest first, every one exactly once', async () => {
    const n = OPERATOR_PAGE + 3;
    for (let i = 0; i < n; i++) {
      t.clock.now += 1_000;
      await quarantine(`cheat-${String(i).padStart(3, '0')}`);
    }
    const first = await operatorView(t.ctx);
    expect(first.quarantined.total).toBe(n);
    expect(first.figures.quarantinedSessions).toBe(n);
    expect(first.quarantined.rows).toHaveLength(OPERATOR_PAGE);
    expect(first.quarantined.rows[0]).toMatchObject({ sessionId: `cheat-${String(n - 1).padStart(3, '0')}` });
    expect(first.quarantined.rows[0]?.unitsRejected).toBe(QUARANTINE_AFTER_REJECTIONS);
    const second = await operatorView(t.ctx, { quarantinedBefore: first.quarantined.next });
    expect(second.quarantined.rows).toHaveLength(3);
    expect(second.quarantined.next).toBeNull();
    const all = [...first.quarantined.rows, ...second.quarantined.rows].map((r) => r.sessionId);
    expect(new Set(all).size).toBe(n);
    // A cursor that is not one of ours starts over instead of failing.
    expect(
      (await operatorView(t.ctx, { quarantinedBefore: "'; DROP TABLE x" })).quarantined.rows,
    ).toHaveLength(OPERATOR_PAGE);
  });

  it('shows settlements with their transaction and lag, and open disputes with the jobs they hold', async () => {
    const job = await createJob(t.ctx, JOB);
    await runFarm(
      inProcessFarmApi(() => t.ctx),
      [0, 1, 2].map((i) => ({ strategy: 'honest' as const, origin: `10.0.0.${i + 1}` })),
      standInRender,
      {
        sessionPrefix: 'op',
        onIdle: () => {
          t.clock.now += 16_000;
        },
      },
    );
    const [credit] = await t.ctx.db.query<{ oldest: string; last: string }>(
      'SELECT min(matures_at)::text AS oldest, max(id)::text AS last FROM credits',
    );
    expect(Number(credit?.last)).toBeGreaterThan(0);
    // What the payments loop records when it posts (lib/settlement/settlement.ts); the chain is payments.test's.
    const postedAt = Number(credit?.oldest) + 42_000;
    await t.ctx.db.query(
      `INSERT INTO job_payments (job_id, chain_job_id, price_wei, budget_wei, state) VALUES ($1, '0xabc', 1, 1, 'held')`,
      [job.id],
    );
    await t.ctx.db.query(
      `INSERT INTO settlements (onchain_id, root, total_wei, credit_watermark, state, tx_hash, created_at, posted_at, disputable_until)
       VALUES (1, '0x01', 5000, $1, 'disputed', '0xfeed', $2, $2, $3)`,
      [credit?.last, postedAt, postedAt + 600_000],
    );
    await t.ctx.db.query(
      `INSERT INTO settlement_jobs (settlement_id, job_id, settled_wei, closes) VALUES (1, $1, 5000, false)`,
      [job.id],
    );
    t.clock.now = postedAt + 1_000;
    const view = await operatorView(t.ctx);
    expect(view.settlements.total).toBe(1);
    expect(view.settlements.rows[0]).toMatchObject({
      id: 1,
      state: 'disputed',
      txHash: '0xfeed',
      totalWei: '5000',
      jobs: 1,
      lagSeconds: 42,
    });
    expect(view.disputes.rows).toEqual([
      expect.objectContaining({ settlementId: 1, onchainId: '1', txHash: '0xfeed', heldJobs: [job.id] }),
    ]);
    expect(view.figures).toMatchObject({ openDisputes: 1, heldJobs: 1 });
  });

  it('shows the figures GET /metrics serves, from the same queries', async () => {
    await createJob(t.ctx, JOB);
    await quarantine('cheat-1');
    await leaseUnit(t.ctx, { sessionId: 'holder-session', adapter: STAND_IN_ADAPTER }, {});
    const view = await operatorView(t.ctx);
    const text = await createMetrics(async () => t.ctx).registry.metrics();
    expect(text).toContain(`lumengrid_units{state="leased"} ${view.figures.units.leased}`);
    expect(text).toContain(`lumengrid_units{state="pending"} ${view.figures.units.pending}`);
    expect(text).toContain(`lumengrid_quarantined_sessions ${view.figures.quarantinedSessions}`);
    expect(view.figures.quarantinedSessions).toBe(1);
    expect(view.figures.activeSessions).toBe(2);
    expect(view.figures.payments).toBe('off');
  });

  it('says whether an instance holds the payments leader lock (PostgreSQL), or that the one process leads', async () => {
    // A key of its own, above 2^32 (both halves of the lock table's key), that no other test takes.
    const key = 2 ** 32 + Math.floor(Math.random() * 1_000_000);
    const { db } = t.ctx;
    if (!db.poolStats || !db.sessionLock) {
      expect(await paymentsLeader(db, key)).toBe('embedded');
      return;
    }
    expect(await paymentsLeader(db, key)).toBe('none');
    const lock = db.sessionLock(key);
    expect(await lock.held()).toBe(true);
    const leader = await paymentsLeader(db, key);
    expect(leader).toMatchObject({ connectedSince: expect.any(Number) });
    expect(Math.abs((leader as { connectedSince: number }).connectedSince - Date.now())).toBeLessThan(
      600_000,
    );
    await lock.release();
    expect(await paymentsLeader(db, key)).toBe('none');
  });
});
