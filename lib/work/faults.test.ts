import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CoordinatorContext } from '../coordinator/context';
import { migrate } from '../coordinator/db/migrations';
import type { Sql } from '../coordinator/db/sql';
import { runFaultFarm } from '../testing/fault-farm';
import { renderLeaseHonestly } from '../testing/stand-in-renderer';
import { createTestContext } from '../testing/test-context';
import { expectHonestImage } from '../testing/test-support';
import { createJob, getJob } from './jobs';
import { leaseUnit } from './lease-unit';
import { submitResult } from './submit-result';

// Faults a real farm meets: tabs closing mid-unit, the coordinator killed with SIGKILL and restarted, the
// database connection dropping, several instances racing on one PostgreSQL. In every case the finished
// image has every sample exactly once and equals the honest render; nothing accepted is lost.

const pgUrl = process.env.LUMENGRID_TEST_DATABASE_URL;
const JOB = { scene: 'cornell', width: 48, height: 32, samplesPerPixel: 6, tileSize: 16, samplesPerUnit: 2 };

let t: Awaited<ReturnType<typeof createTestContext>>;
beforeAll(async () => {
  t = await createTestContext({ leaseTtlMs: 5_000 });
});
beforeEach(() => t.reset());
afterAll(() => t.close());

const idle = (clock: { now: number }) => () => {
  // Leases of vanished sessions expire; checks assigned to them are released after their stall time.
  clock.now += 16_000;
};

/** Every sample exactly once, the honest image, and unit credit for exactly the job's pixel-samples. */
async function expectExactlyOnce(ctx: CoordinatorContext, jobId: string) {
  await expectHonestImage(ctx, jobId);
  const job = await getJob(ctx, jobId);
  expect(job.unitsDone).toBe(job.unitsTotal);
  const [credit] = await ctx.db.query<{ ps: number }>(
    `SELECT coalesce(sum(pixel_samples), 0)::int AS ps FROM credits WHERE job_id = $1 AND kind = 'unit'`,
    [jobId],
  );
  expect(credit?.ps).toBe(job.pixelSamplesTotal);
}

describe('faults', () => {
  it('completes a job with every sample counted once when 30 % of contributors vanish mid-lease', async () => {
    const job = await createJob(t.ctx, JOB);
    const report = await runFaultFarm(t.ctx, {
      sessions: 10,
      vanishRate: 0.3,
      seed: 7,
      onIdle: idle(t.clock),
    });
    expect(report.vanished).toBeGreaterThan(report.submitted * 0.2);
    await expectExactlyOnce(t.ctx, job.id);
  }, 120_000);

  it('loses and doubles nothing when the coordinator is killed with SIGKILL mid-job and restarted', async () => {
    const { where, open, cleanup } = await crashableDatabase();
    try {
      const out = await runChildUntil(
        where,
        JSON.stringify(JOB),
        (text) => count(text, /^accepted unit/gm) >= 8,
      );
      const jobId = /^job (\S+)$/m.exec(out)?.[1] as string;
      const acceptedUnits = [...out.matchAll(/^accepted unit (\d+)$/gm)].map((m) => Number(m[1]));
      expect(acceptedUnits.length).toBeGreaterThanOrEqual(8);

      // Restart: a new process opens the same database.
      const db = await open();
      try {
        await migrate(db);
        const clock = { now: Date.now() + 60_000 };
        const ctx: CoordinatorContext = {
          db,
          now: () => clock.now,
          leaseTtlMs: 5_000,
          onJobChanged: () => {},
        };
        // Every result the dead process had accepted is still there, past 'leased'.
        const states = await db.query<{ id: number; state: string }>(
          'SELECT id, state FROM units WHERE id = ANY ($1::bigint[])',
          [acceptedUnits],
        );
        expect(states).toHaveLength(acceptedUnits.length);
        for (const unit of states) expect(['verifying', 'done']).toContain(unit.state);
        await runFaultFarm(ctx, { sessions: 3, prefix: 'after-restart', onIdle: idle(clock) });
        await expectExactlyOnce(ctx, jobId);
      } finally {
        await db.close();
      }
    } finally {
      await cleanup();
    }
  }, 180_000);

  it('treats the same result sent twice at once as one submission', async () => {
    const job = await createJob(t.ctx, { ...JOB, width: 16, height: 16 });
    const lease = await leaseUnit(t.ctx, { sessionId: 'twice-session-1' });
    if (!lease) throw new Error('no lease');
    const body = new Uint8Array((await renderLeaseHonestly(lease)).buffer);
    const receipts = await Promise.all(
      Array.from({ length: 5 }, () =>
        submitResult(t.ctx, { leaseId: lease.leaseId, sessionId: 'twice-session-1', body }),
      ),
    );
    expect(receipts.filter((r) => !r.duplicate)).toHaveLength(1);
    expect((await getJob(t.ctx, job.id)).verification.unitsVerifying).toBe(1);
  });

  it.runIf(pgUrl)(
    'rides out the database connection dropping mid-job (PostgreSQL)',
    async () => {
      const job = await createJob(t.ctx, JOB);
      const { openPostgres } = await import('../coordinator/db/postgres');
      const admin = await openPostgres({ connectionString: pgUrl as string, max: 1 });
      let drops = 0;
      const dropAll = () =>
        admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        );
      try {
        const report = await runFaultFarm(t.ctx, {
          sessions: 4,
          onIdle: idle(t.clock),
          onAccepted: () => {
            // Every ten results, every connection of the coordinator is cut.
            if (++drops % 10 === 0) void dropAll();
          },
        });
        expect(drops).toBeGreaterThan(10);
        // Requests in flight when a connection was cut got a 503-style UnavailableError and were retried.
        expect(report.outagesWaited).toBeGreaterThan(0);
        expect(report.submitted).toBeGreaterThan(0);
        await expectExactlyOnce(t.ctx, job.id);
      } finally {
        await admin.close();
      }
    },
    120_000,
  );

  it.runIf(pgUrl)('never hands one unit to two instances leasing at once on one PostgreSQL', async () => {
    const job = await createJob(t.ctx, { ...JOB, samplesPerUnit: 1 });
    const second = await t.reopen();
    try {
      const instanceB: CoordinatorContext = { ...t.ctx, db: second };
      const leases = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          leaseUnit(i % 2 ? instanceB : t.ctx, { sessionId: `race-session-${i}` }, { origin: `10.8.${i}.1` }),
        ),
      );
      const units = leases.filter((l) => l !== null).map((l) => l.unitId);
      expect(units.length).toBe(Math.min(40, job.unitsTotal));
      expect(new Set(units).size).toBe(units.length);
      // And results from both instances, sent twice each, count once.
      const sample = leases.slice(0, 6).filter((l) => l !== null);
      const submit = (ctx: CoordinatorContext, i: number) => {
        const lease = sample[i] as NonNullable<(typeof sample)[number]>;
        return renderLeaseHonestly(lease).then((data) =>
          submitResult(ctx, {
            leaseId: lease.leaseId,
            sessionId: `race-session-${i}`,
            body: new Uint8Array(data.buffer),
          }),
        );
      };
      const receipts = await Promise.all(sample.flatMap((_, i) => [submit(t.ctx, i), submit(instanceB, i)]));
      expect(receipts.filter((r) => !r.duplicate)).toHaveLength(sample.length);
    } finally {
      await second.close();
    }
  });
});

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}

/** Runs the crash child until `done(stdout)`, then kills it with SIGKILL; resolves with what it printed. */
function runChildUntil(where: string, job: string, done: (out: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../testing/fault-crash-child.ts'), where, job],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (done(out)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(out) : reject(new Error(`child exited before the kill: ${out}\n${err}`)),
    );
  });
}

/** A database that outlives a process: a PGlite folder, or a schema on the test PostgreSQL. */
async function crashableDatabase(): Promise<{
  where: string;
  open: () => Promise<Sql>;
  cleanup: () => Promise<void>;
}> {
  if (pgUrl) {
    const { openPostgres } = await import('../coordinator/db/postgres');
    const schema = `crash_${randomBytes(6).toString('hex')}`;
    const admin = await openPostgres({ connectionString: pgUrl, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    return {
      where: `pg:${pgUrl}#${schema}`,
      open: () => openPostgres({ connectionString: pgUrl, schema }),
      cleanup: async () => {
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.close();
      },
    };
  }
  const root = mkdtempSync(join(tmpdir(), 'lumengrid-crash-'));
  const dir = join(root, 'db');
  const { openPglite } = await import('../coordinator/db/pglite');
  return {
    where: `pglite:${dir}`,
    open: () => openPglite(dir),
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  };
}
