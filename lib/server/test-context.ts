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
  return { ctx, clock, changed, close: () => db.close() };
}
