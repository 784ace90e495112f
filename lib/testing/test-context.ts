import { randomBytes } from 'node:crypto';
import { type CoordinatorContext, DEFAULT_LEASE_TTL_MS } from '../coordinator/context';
import { migrate } from '../coordinator/db/migrations';
import { openPglite } from '../coordinator/db/pglite';
import type { Sql } from '../coordinator/db/sql';

/**
 * The database the coordinator's tests run on: the embedded one in memory, or, when
 * LUMENGRID_TEST_DATABASE_URL is set (`npm run test:pg`, CI), a fresh schema on that PostgreSQL server,
 * dropped again on close. The same tests pass on both.
 */
export async function openTestDatabase(): Promise<{
  db: Sql;
  drop: () => Promise<void>;
  /** Another connection pool to the same database, as a second coordinator instance would have. */
  reopen: () => Promise<Sql>;
}> {
  const url = process.env.LUMENGRID_TEST_DATABASE_URL;
  if (!url) {
    const db = await openPglite(null);
    const reopen = () => Promise.reject(new Error('an in-memory embedded database has one connection'));
    return { db, drop: () => db.close(), reopen };
  }
  const { openPostgres } = await import('../coordinator/db/postgres');
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const db = await openPostgres({ connectionString: url, schema, max: 4 });
  return {
    db,
    reopen: () => openPostgres({ connectionString: url, schema, max: 4 }),
    drop: async () => {
      await db.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}

/** A coordinator on a fresh database with a clock the test moves by hand. */
export async function createTestContext(options: { leaseTtlMs?: number } = {}) {
  const { db, drop, reopen } = await openTestDatabase();
  await migrate(db);
  const clock = { now: 1_700_000_000_000 };
  const changed: string[] = [];
  const ctx: CoordinatorContext = {
    db,
    now: () => clock.now,
    leaseTtlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
    onJobChanged: (id) => changed.push(id),
  };
  /** Empties every table (the schema stays): a fresh coordinator without paying for a new database. */
  const reset = async () => {
    await db.query(
      'TRUNCATE jobs, units, tiles, checks, contributors, credits, job_payments, payout_addresses, settlements, settlement_leaves, settlement_jobs, settlement_allocations, job_credit_totals, lease_lapses, blocked_payout_addresses, job_progress RESTART IDENTITY CASCADE',
    );
    clock.now = 1_700_000_000_000;
    changed.length = 0;
  };
  return { ctx, clock, changed, reset, reopen, close: drop };
}
