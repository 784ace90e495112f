import type { SqlExecutor } from './db/sql';

/**
 * The farm's figures an operator watches, read from the database: the metrics' gauges (GET /metrics) and
 * the operator page (/operator) show the same numbers from these same queries. Each is one aggregate over
 * an indexed or small set, cheap enough to run on every scrape or page load.
 */
export const UNIT_STATES = ['pending', 'leased', 'verifying', 'done', 'void'] as const;
export type UnitState = (typeof UNIT_STATES)[number];

/** Units by state, every state present (0 where none is). */
export async function unitsByState(db: SqlExecutor): Promise<Record<UnitState, number>> {
  const rows = await db.query<{ state: string; n: number }>(
    'SELECT state, count(*)::int AS n FROM units GROUP BY state',
  );
  return Object.fromEntries(
    UNIT_STATES.map((state) => [state, rows.find((row) => row.state === state)?.n ?? 0]),
  ) as Record<UnitState, number>;
}

/** Spot checks, escalations and audits whose re-render disagreed with the result they checked. */
export async function checkDisagreements(db: SqlExecutor): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM checks WHERE state = 'done' AND agreed = false",
  );
  return row?.n ?? 0;
}

export async function quarantinedSessionCount(db: SqlExecutor): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM contributors WHERE quarantined_at IS NOT NULL',
  );
  return row?.n ?? 0;
}

/** Pixel-samples rendered to check others, per pixel-sample of accepted work, over all jobs (0 before any). */
export async function verificationOverhead(db: SqlExecutor): Promise<number> {
  const [row] = await db.query<{ checks: number | null; done: number | null }>(
    'SELECT sum(check_pixel_samples)::float8 AS checks, sum(pixel_samples_done)::float8 AS done FROM jobs',
  );
  return row?.done ? (row.checks ?? 0) / row.done : 0;
}

/** Age in seconds of the oldest matured credit that no posted settlement covers yet (0: none waits). */
export async function settlementLagSeconds(db: SqlExecutor, now: number): Promise<number> {
  const [row] = await db.query<{ oldest: number | null }>(
    `SELECT min(matures_at) AS oldest FROM credits
      WHERE forfeited_at IS NULL AND matures_at <= $1
        AND id > coalesce((SELECT max(credit_watermark) FROM settlements
                            WHERE state IN ('posted', 'pending', 'final')), 0)`,
    [now],
  );
  return row?.oldest ? Math.max(0, (now - Number(row.oldest)) / 1000) : 0;
}
