import 'server-only';
import { resolve } from 'node:path';
import { type CoordinatorContext, DEFAULT_LEASE_TTL_MS } from '../coordinator/context';
import { migrate } from '../coordinator/db/migrations';
import { openDatabase } from '../coordinator/db/open-database';
import { relayJobEvents } from '../coordinator/job-events';
import { coordinatorMetrics } from '../coordinator/metrics';
import { SqlRateLimits } from '../coordinator/rate-limit';
import { paymentsFromEnv, settleIntervalMs } from '../settlement/config';
import { PAYMENTS_LEADER_LOCK, startPaymentsLoop } from '../settlement/payments-loop';
import { startSceneSweepLoop } from '../work/scene-store';

/**
 * The coordinator of this server process: one database connection, opened on first use and cached on
 * globalThis (route modules may be instantiated more than once; PGlite must be opened once per process).
 *
 * Configuration (environment):
 *   DATABASE_URL             PostgreSQL to share with other instances (default: the embedded database).
 *                            Instances on one database relay job events (NOTIFY), share rate limits (table
 *                            rate_limit_buckets) and elect one payments leader (advisory lock).
 *   LUMENGRID_DATA_DIR       embedded database folder (default .lumengrid/db)
 *   LUMENGRID_LEASE_TTL_MS   how long a contributor may hold a unit (default 120000)
 *   LUMENGRID_RPC_URL, …     payments (lib/settlement/config.ts); off when unset
 */
const globalCoordinator = globalThis as typeof globalThis & {
  __lumengridCoordinator?: Promise<CoordinatorContext>;
};

export function coordinator(): Promise<CoordinatorContext> {
  globalCoordinator.__lumengridCoordinator ??= open().catch((error) => {
    globalCoordinator.__lumengridCoordinator = undefined;
    throw error;
  });
  return globalCoordinator.__lumengridCoordinator;
}

async function open(): Promise<CoordinatorContext> {
  // A runtime folder, not a source file: keep the bundler from tracing the whole project for it.
  const dataDir = resolve(/*turbopackIgnore: true*/ process.env.LUMENGRID_DATA_DIR || '.lumengrid/db');
  const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir });
  await migrate(db);
  const jobEvents = await relayJobEvents(db);
  // The metrics' database gauges read through this instance's coordinator when scraped.
  coordinatorMetrics(coordinator);
  const close = () => {
    void jobEvents
      .close()
      .then(() => db.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  const ctx: CoordinatorContext = {
    db,
    now: Date.now,
    leaseTtlMs: Number(process.env.LUMENGRID_LEASE_TTL_MS) || DEFAULT_LEASE_TTL_MS,
    onJobChanged: jobEvents.publish,
    payments: paymentsFromEnv(),
    // The embedded database has this one process: its buckets stay in memory, with no write per request.
    rateLimits: process.env.DATABASE_URL ? new SqlRateLimits(db) : null,
  };
  // Every instance runs the loop; only the one holding the leader lock does its rounds.
  if (ctx.payments)
    startPaymentsLoop(ctx, ctx.payments, settleIntervalMs(), db.sessionLock?.(PAYMENTS_LEADER_LOCK));
  // Uploaded scenes no job needs any more are deleted (SCENE_LIMITS: grace and retention periods).
  startSceneSweepLoop(ctx);
  return ctx;
}
