import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CoordinatorContext } from './context';
import {
  checkDisagreements,
  quarantinedSessionCount,
  settlementLagSeconds,
  unitsByState,
  verificationOverhead,
} from './farm-figures';

/**
 * The operator's metrics in Prometheus' text format (GET /metrics), one registry per process. Rates are
 * counters (leases and results: `rate(lumengrid_leases_total[1m])` is leases per second); what the
 * database knows (units by state, check disagreements, quarantines, verification overhead, settlement lag)
 * is read when scraped (lib/coordinator/farm-figures.ts, which the operator page shows too), and so is the
 * connection pool.
 */
export interface CoordinatorMetrics {
  registry: Registry;
  leases: Counter<'outcome'>;
  results: Counter<'outcome'>;
  leaseSeconds: Histogram;
  submitSeconds: Histogram;
}

const globalMetrics = globalThis as typeof globalThis & { __lumengridMetrics?: CoordinatorMetrics };

/** This process's metrics; the database gauges read `ctx()` when scraped. */
export function coordinatorMetrics(ctx?: () => Promise<CoordinatorContext>): CoordinatorMetrics {
  if (globalMetrics.__lumengridMetrics) return globalMetrics.__lumengridMetrics;
  const metrics = createMetrics(ctx);
  globalMetrics.__lumengridMetrics = metrics;
  return metrics;
}

export function createMetrics(ctx?: () => Promise<CoordinatorContext>): CoordinatorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lumengrid_' });
  const latency = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  const metrics: CoordinatorMetrics = {
    registry,
    leases: new Counter({
      name: 'lumengrid_leases_total',
      help: 'Lease requests answered, by outcome (work: a lease given; none: nothing to do)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    results: new Counter({
      name: 'lumengrid_results_total',
      help: 'Results submitted and taken in (verified or waiting for checks), by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    leaseSeconds: new Histogram({
      name: 'lumengrid_lease_seconds',
      help: 'Time to answer a lease request',
      buckets: latency,
      registers: [registry],
    }),
    submitSeconds: new Histogram({
      name: 'lumengrid_submit_seconds',
      help: 'Time to take in a submitted result',
      buckets: latency,
      registers: [registry],
    }),
  };
  if (!ctx) return metrics;

  const db = async () => (await ctx()).db;
  new Gauge({
    name: 'lumengrid_units',
    help: 'Units by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [state, n] of Object.entries(await unitsByState(await db()))) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'lumengrid_check_disagreements',
    help: 'Spot checks, escalations and audits whose re-render disagreed with the result they checked',
    registers: [registry],
    async collect() {
      this.set(await checkDisagreements(await db()));
    },
  });
  new Gauge({
    name: 'lumengrid_quarantined_sessions',
    help: 'Contributor sessions in quarantine',
    registers: [registry],
    async collect() {
      this.set(await quarantinedSessionCount(await db()));
    },
  });
  new Gauge({
    name: 'lumengrid_verification_overhead_ratio',
    help: 'Pixel-samples rendered to check others, per pixel-sample of accepted work, over all jobs',
    registers: [registry],
    async collect() {
      this.set(await verificationOverhead(await db()));
    },
  });
  new Gauge({
    name: 'lumengrid_settlement_lag_seconds',
    help: 'Age of the oldest matured credit that no posted settlement covers yet (0: none waits)',
    registers: [registry],
    async collect() {
      const context = await ctx();
      this.set(await settlementLagSeconds(context.db, context.now()));
    },
  });
  new Gauge({
    name: 'lumengrid_db_pool_connections',
    help: 'Connections of this instance to PostgreSQL, by state (total, idle, waiting clients)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const stats = (await ctx()).db.poolStats?.();
      if (!stats) return;
      for (const [state, n] of Object.entries(stats)) this.set({ state }, n);
    },
  });
  return metrics;
}

/** Runs `work`, observing its duration in `histogram`. */
export async function timed<T>(histogram: Histogram, work: () => Promise<T>): Promise<T> {
  const end = histogram.startTimer();
  try {
    return await work();
  } finally {
    end();
  }
}
