import 'server-only';
import { resolve } from 'node:path';
import { serverConfig } from '../config/server-config';
import type { CoordinatorContext } from '../coordinator/context';
import { migrate } from '../coordinator/db/migrations';
import { openDatabase } from '../coordinator/db/open-database';
import { relayJobEvents } from '../coordinator/job-events';
import { coordinatorMetrics } from '../coordinator/metrics';
import { SqlRateLimits } from '../coordinator/rate-limit';
import { paymentsFromConfig } from '../settlement/config';
import { PAYMENTS_LEADER_LOCK, startPaymentsLoop } from '../settlement/payments-loop';
import { startSceneSweepLoop } from '../work/scene-store';

/**
 * The coordinator of this server process: one database connection, opened on first use and cached on
 * globalThis (route modules may be instantiated more than once; PGlite must be opened once per process).
 *
 * Configuration: lib/config/variables.ts (DATABASE_URL: PostgreSQL shared with other instances, which then
 * relay job events through NOTIFY, share rate limits and elect one payments leader; else the embedded
 * database in LUMENGRID_DATA_DIR).
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
  const config = serverConfig();
  const dataDir = resolve(/*turbopackIgnore: true*/ config.LUMENGRID_DATA_DIR);
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir });
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
    leaseTtlMs: config.LUMENGRID_LEASE_TTL_MS,
    onJobChanged: jobEvents.publish,
    payments: paymentsFromConfig(config),
    // The embedded database has this one process: its buckets stay in memory, with no write per request.
    rateLimits: config.DATABASE_URL ? new SqlRateLimits(db) : null,
  };
  // Every instance runs the loop; only the one holding the leader lock does its rounds.
  if (ctx.payments)
    startPaymentsLoop(
      ctx,
      ctx.payments,
      config.LUMENGRID_SETTLE_INTERVAL_MS,
      db.sessionLock?.(PAYMENTS_LEADER_LOCK),
    );
  // Uploaded scenes no job needs any more are deleted (SCENE_LIMITS: grace and retention periods).
  startSceneSweepLoop(ctx);
  return ctx;
}
