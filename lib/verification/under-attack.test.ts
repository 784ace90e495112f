import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serverConfig } from '../config/server-config';
import { type FarmMember, runFarm } from '../testing/farm';
import { standInRender } from '../testing/stand-in-renderer';
import type { StrategyId } from '../testing/strategies';
import { createTestContext } from '../testing/test-context';
import { expectHonestImage, inProcessFarmApi } from '../testing/test-support';
import { createJob } from '../work/jobs';
import { markTrustedVerifier } from './trusted-verifier';

// Verification when cheaters are many (docs/design.md, "Verification under attack"): a trusted verifier
// decides every disagreement and audits accepted units before their credit matures; fresh sessions cannot
// vouch; a liar's unsettled credit is forfeited and its work taken back out of the image.

type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ leaseTtlMs: 60_000 });
});
beforeEach(() => t.reset());
afterAll(() => t.close());

const JOB = { scene: 'cornell', width: 48, height: 48, samplesPerPixel: 8, tileSize: 16, samplesPerUnit: 2 };
const VERIFIER = 'sim-honest-1';

/** The trusted verifier first (its session id is the farm's first), then honest members, then the cheaters. */
function farm(honest: number, strategy: StrategyId, count: number): FarmMember[] {
  return [
    { strategy: 'honest', origin: '10.9.0.1' },
    ...Array.from({ length: honest }, (_, i) => ({ strategy: 'honest' as const, origin: `10.0.0.${i + 1}` })),
    ...Array.from({ length: count }, (_, i) => ({ strategy, origin: `10.0.1.${i + 1}` })),
  ];
}

async function run(strategy: StrategyId, count: number) {
  const job = await createJob(t.ctx, JOB);
  await markTrustedVerifier(t.ctx.db, VERIFIER, t.clock.now);
  const report = await runFarm(
    inProcessFarmApi(() => t.ctx),
    farm(5, strategy, count),
    standInRender,
    {
      onIdle: () => {
        t.clock.now += 16_000;
      },
    },
  );
  return { job, report };
}

/** Unit credit for fake submissions that is, or will become, settleable (not forfeited). */
async function fakesStanding(report: Awaited<ReturnType<typeof runFarm>>): Promise<number> {
  const fakes = report.submissions.filter((r) => r.bad && !r.isCheck);
  expect(fakes.length).toBeGreaterThan(0);
  const [row] = await t.ctx.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM credits c
     JOIN unnest($1::text[], $2::bigint[]) AS f(session_id, unit_id)
       ON f.session_id = c.session_id AND f.unit_id = c.unit_id
     WHERE c.kind = 'unit' AND c.forfeited_at IS NULL`,
    [fakes.map((f) => f.sessionId), fakes.map((f) => f.unitId)],
  );
  return row?.n ?? 0;
}

describe('under a trusted verifier', () => {
  it('a cartel that vouches for its members gets nothing paid, and the image is the honest one', async () => {
    const { job, report } = await run('colluding', 6);
    const honest = report.scores.find((s) => s.strategy === 'honest');
    expect(honest?.honestRejected).toBe(0);
    expect(await fakesStanding(report)).toBe(0);
    await expectHonestImage(t.ctx, job.id);
  });

  it('blocks a convicted cartel’s payout address and convicts every other session paying to it', async () => {
    const wallet = '0x00000000000000000000000000000000000c0ffe';
    const members = Array.from({ length: 6 }, (_, i) => `sim-colluding-${i + 7}`);
    for (const session of [...members, 'laundering-session'])
      await t.ctx.db.query(
        `INSERT INTO payout_addresses (session_id, address, signature, bound_at) VALUES ($1, $2, '0x', 0)`,
        [session, wallet],
      );
    await t.ctx.db.query(
      `INSERT INTO contributors (session_id, first_seen_at, last_seen_at) VALUES ('laundering-session', 0, 0)`,
    );
    await run('colluding', 6);
    const [blocked] = await t.ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM blocked_payout_addresses WHERE address = $1',
      [wallet],
    );
    expect(blocked?.n).toBe(1);
    const [launderer] = await t.ctx.db.query<{ convicted_at: number | null }>(
      `SELECT convicted_at FROM contributors WHERE session_id = 'laundering-session'`,
    );
    expect(launderer?.convicted_at).not.toBeNull();
  });

  it('a checker that lies about honest work is overruled by the verifier and convicted; no honest unit is lost', async () => {
    const { job, report } = await run('checker-always-fail', 3);
    const honest = report.scores.find((s) => s.strategy === 'honest');
    expect(honest?.honestRejected).toBe(0);
    const liars = report.sessions.get('checker-always-fail') ?? [];
    const [convicted] = await t.ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM contributors WHERE session_id = ANY ($1::text[]) AND convicted_at IS NOT NULL',
      [liars],
    );
    expect(convicted?.n).toBeGreaterThan(0);
    await expectHonestImage(t.ctx, job.id);
  });

  it('holds accepted credit for the audit window: nothing is settleable at once', async () => {
    await run('honest', 0);
    const [row] = await t.ctx.db.query<{ settleable: number; held: number }>(
      `SELECT count(*) FILTER (WHERE matures_at <= $1)::int AS settleable,
              count(*) FILTER (WHERE matures_at > $1)::int AS held
       FROM credits WHERE forfeited_at IS NULL`,
      [t.clock.now],
    );
    expect(row?.held).toBeGreaterThan(0);
    // Later, everything honest matures (audits passed, or the window ran out).
    const [later] = await t.ctx.db.query<{ held: number }>(
      `SELECT count(*)::int AS held FROM credits WHERE forfeited_at IS NULL AND matures_at > $1`,
      [t.clock.now + serverConfig().LUMENGRID_AUDIT_WINDOW_MS],
    );
    expect(later?.held).toBe(0);
    expect(row?.settleable).toBeGreaterThanOrEqual(0);
  });
});
