import { type CoordinatorContext, DEFAULT_LEASE_TTL_MS } from './context';
import { migrate } from './db/migrations';
import { openPglite } from './db/pglite';

/** A coordinator on a fresh in-memory database with a clock the test moves by hand. */
export async function createTestContext(options: { leaseTtlMs?: number } = {}) {
  const db = await openPglite(null);
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
      'TRUNCATE jobs, units, tiles, checks, contributors, credits, job_payments, payout_addresses, settlements, settlement_leaves, settlement_jobs, settlement_allocations RESTART IDENTITY CASCADE',
    );
    clock.now = 1_700_000_000_000;
    changed.length = 0;
  };
  return { ctx, clock, changed, reset, close: () => db.close() };
}
