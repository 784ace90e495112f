import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CoordinatorContext } from './context';

/**
 * The operator's metrics in Prometheus' text format (GET /metrics), one registry per process. Rates are
 * counters (leases and results: `rate(lumengrid_leases_total[1m])` is leases per second); what the
 * database knows (units by state, check disagreements, quarantines, verification overhead, settlement lag)
 * is read when scraped, and so is the connection pool.
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

  const fromDb = async <Row>(text: string, params: unknown[] = []) =>
    (await ctx()).db.query<Row>(text, params);
  new Gauge({
    name: 'lumengrid_units',
    help: 'Units by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await fromDb<{ state: string; n: number }>(
        'SELECT state, count(*)::int AS n FROM units GROUP BY state',
      );
      for (const state of ['pending', 'leased', 'verifying', 'done', 'void']) {
        this.set({ state }, rows.find((row) => row.state === state)?.n ?? 0);
      }
    },
  });
  new Gauge({
    name: 'lumengrid_check_disagreements',
    help: 'Spot checks, escalations and audits whose re-render disagreed with the result they checked',
    registers: [registry],
    async collect() {
      const [row] = await fromDb<{ n: number }>(
        "SELECT count(*)::int AS n FROM checks WHERE state = 'done' AND agreed = false",
      );
      this.set(row?.n ?? 0);
    },
  });
  new Gauge({
    name: 'lumengrid_quarantined_sessions',
    help: 'Contributor sessions in quarantine',
    registers: [registry],
    async collect() {
      const [row] = await fromDb<{ n: number }>(
        'SELECT count(*)::int AS n FROM contributors WHERE quarantined_at IS NOT NULL',
      );
      this.set(row?.n ?? 0);
    },
  });
  new Gauge({
    name: 'lumengrid_verification_overhead_ratio',
    help: 'Pixel-samples rendered to check others, per pixel-sample of accepted work, over all jobs',
    registers: [registry],
    async collect() {
      const [row] = await fromDb<{ checks: number | null; done: number | null }>(
        'SELECT sum(check_pixel_samples)::float8 AS checks, sum(pixel_samples_done)::float8 AS done FROM jobs',
      );
      this.set(row?.done ? (row.checks ?? 0) / row.done : 0);
    },
  });
  new Gauge({
    name: 'lumengrid_settlement_lag_seconds',
    help: 'Age of the oldest matured credit that no posted settlement covers yet (0: none waits)',
    registers: [registry],
    async collect() {
      const context = await ctx();
      const now = context.now();
      const [row] = await fromDb<{ oldest: number | null }>(
        `SELECT min(matures_at) AS oldest FROM credits
          WHERE forfeited_at IS NULL AND matures_at <= $1
            AND id > coalesce((SELECT max(credit_watermark) FROM settlements
                                WHERE state IN ('posted', 'pending', 'final')), 0)`,
        [now],
      );
      this.set(row?.oldest ? Math.max(0, (now - row.oldest) / 1000) : 0);
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
