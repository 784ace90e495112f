import type { CoordinatorContext } from '../coordinator/context';
import type { Sql, SqlExecutor } from '../coordinator/db/sql';
import {
  checkDisagreements,
  quarantinedSessionCount,
  settlementLagSeconds,
  type UnitState,
  unitsByState,
  verificationOverhead,
} from '../coordinator/farm-figures';
import { PAYMENTS_LEADER_LOCK } from '../settlement/payments-loop';

/**
 * What the operator page (/operator, behind lib/coordinator/operator-session.ts) shows: the figures at a
 * glance (the same queries as GET /metrics, lib/coordinator/farm-figures.ts) and four lists to act on:
 * quarantined sessions, open disputes, recent settlements with their lag and transactions, and stuck units.
 * Every list is bounded (OPERATOR_PAGE rows) and says how many there are in all; the two that only grow
 * (quarantines, settlements) page back by a cursor, newest first.
 */
export const OPERATOR_PAGE = 25;
/** A unit leased out this many times without a verdict is stuck whatever its lease says. */
export const STUCK_ATTEMPTS = 5;
/** Sessions seen within this long count as active. */
export const ACTIVE_WITHIN_MS = 5 * 60_000;

export interface OperatorFigures {
  units: Record<UnitState, number>;
  jobs: { awaitingDeposit: number; rendering: number; paused: number };
  activeSessions: number;
  quarantinedSessions: number;
  checkDisagreements: number;
  verificationOverhead: number;
  settlementLagSeconds: number;
  openDisputes: number;
  heldJobs: number;
  stuckUnits: number;
  payments: 'on' | 'off';
  /** Who runs the payments rounds (null with payments off): paymentsLeader. */
  paymentsLeader: PaymentsLeader | null;
}

/**
 * 'embedded': the embedded database's one process leads; 'none': no instance holds the leader lock, so
 * nothing is settled until one takes it (within a loop interval of starting); else since when the session
 * that holds it has been connected.
 */
export type PaymentsLeader = 'embedded' | 'none' | { connectedSince: number | null };

export interface QuarantinedSession {
  sessionId: string;
  origin: string | null;
  adapterClass: string | null;
  unitsAccepted: number;
  unitsRejected: number;
  checksFaulted: number;
  quarantinedAt: number;
  convicted: boolean;
}

export interface OpenDispute {
  settlementId: number;
  onchainId: string | null;
  totalWei: string;
  txHash: string | null;
  postedAt: number | null;
  disputableUntil: number | null;
  /** Jobs held since a dispute (no settlement includes them until it is resolved). */
  heldJobs: string[];
}

export interface RecentSettlement {
  id: number;
  onchainId: string | null;
  state: string;
  totalWei: string;
  txHash: string | null;
  error: string | null;
  createdAt: number;
  postedAt: number | null;
  jobs: number;
  addresses: number;
  /** Seconds from the first credit it newly paid maturing to its posting (null: not posted, or none new). */
  lagSeconds: number | null;
}

export interface StuckUnit {
  unitId: number;
  jobId: string;
  tileIndex: number;
  samples: [number, number];
  state: string;
  sessionId: string | null;
  leaseExpiresAt: number | null;
  attempts: number;
  why: 'lease-lapsed' | 'retried';
}

export interface OperatorView {
  at: number;
  figures: OperatorFigures;
  quarantined: { rows: QuarantinedSession[]; total: number; next: string | null };
  disputes: { rows: OpenDispute[]; total: number };
  settlements: { rows: RecentSettlement[]; total: number; next: string | null };
  stuck: { rows: StuckUnit[]; total: number };
}

/** Where each paged list starts: a cursor its previous page handed out (`next`), or the newest rows. */
export interface OperatorCursors {
  quarantinedBefore?: string | null;
  settlementsBefore?: string | null;
}

export async function operatorView(
  ctx: Pick<CoordinatorContext, 'db' | 'now' | 'payments'>,
  cursors: OperatorCursors = {},
): Promise<OperatorView> {
  const { db } = ctx;
  const now = ctx.now();
  const [quarantined, disputes, settlements, stuck] = [
    await quarantinedSessions(db, cursors.quarantinedBefore),
    await openDisputes(db),
    await recentSettlements(db, cursors.settlementsBefore),
    await stuckUnits(db, now),
  ];
  const [jobs] = await db.query<{ awaiting: number; rendering: number; paused: number; held: number }>(
    `SELECT count(*) FILTER (WHERE status = 'awaiting-deposit')::int AS awaiting,
            count(*) FILTER (WHERE status = 'rendering')::int AS rendering,
            count(*) FILTER (WHERE status = 'paused')::int AS paused,
            (SELECT count(*)::int FROM job_payments WHERE state = 'held') AS held
       FROM jobs WHERE status IN ('awaiting-deposit', 'rendering', 'paused')`,
  );
  const [active] = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM contributors WHERE last_seen_at > $1',
    [now - ACTIVE_WITHIN_MS],
  );
  return {
    at: now,
    figures: {
      units: await unitsByState(db),
      jobs: {
        awaitingDeposit: jobs?.awaiting ?? 0,
        rendering: jobs?.rendering ?? 0,
        paused: jobs?.paused ?? 0,
      },
      activeSessions: active?.n ?? 0,
      quarantinedSessions: await quarantinedSessionCount(db),
      checkDisagreements: await checkDisagreements(db),
      verificationOverhead: await verificationOverhead(db),
      settlementLagSeconds: await settlementLagSeconds(db, now),
      openDisputes: disputes.total,
      heldJobs: jobs?.held ?? 0,
      stuckUnits: stuck.total,
      payments: ctx.payments ? 'on' : 'off',
      paymentsLeader: ctx.payments ? await paymentsLeader(db) : null,
    },
    quarantined,
    disputes,
    settlements,
    stuck,
  };
}

/**
 * Whether an instance holds the payments leader's advisory lock (lib/settlement/payments-loop.ts), as the
 * PostgreSQL server's lock table says: a bigint key is (classid, objid) = its high and low 32 bits.
 */
export async function paymentsLeader(
  db: Pick<Sql, 'query' | 'poolStats'>,
  key: number = PAYMENTS_LEADER_LOCK,
): Promise<PaymentsLeader> {
  // Only a PostgreSQL server has a pool (and other instances); the embedded database's lock is no lock.
  if (!db.poolStats) return 'embedded';
  const [row] = await db.query<{ since: number | null }>(
    `SELECT (extract(epoch FROM a.backend_start) * 1000)::float8 AS since
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      LIMIT 1`,
    [Math.floor(key / 2 ** 32), key % 2 ** 32],
  );
  return row ? { connectedSince: row.since === null ? null : Math.round(Number(row.since)) } : 'none';
}

/** A cursor is `<number>` or `<number>.<text>`, as this file hands them out; anything else starts over. */
function cursorOf(raw: string | null | undefined): { at: number; key: string } | null {
  const match = raw ? /^(\d{1,16})(?:\.(.{1,128}))?$/.exec(raw) : null;
  return match ? { at: Number(match[1]), key: match[2] ?? '' } : null;
}

async function quarantinedSessions(db: SqlExecutor, before: string | null | undefined) {
  const cursor = cursorOf(before);
  const rows = await db.query<{
    session_id: string;
    origin: string | null;
    adapter_class: string | null;
    units_accepted: number;
    units_rejected: number;
    checks_faulted: number;
    quarantined_at: string | number;
    convicted_at: string | number | null;
  }>(
    `SELECT session_id, origin, adapter_class, units_accepted, units_rejected, checks_faulted, quarantined_at,
            convicted_at
       FROM contributors
      WHERE quarantined_at IS NOT NULL
        AND ($1::bigint IS NULL OR (quarantined_at, session_id) < ($1::bigint, $2::text))
      ORDER BY quarantined_at DESC, session_id DESC LIMIT $3`,
    [cursor?.at ?? null, cursor?.key ?? '', OPERATOR_PAGE + 1],
  );
  const page = rows.slice(0, OPERATOR_PAGE);
  const last = page.at(-1);
  return {
    rows: page.map((r) => ({
      sessionId: r.session_id,
      origin: r.origin,
      adapterClass: r.adapter_class,
      unitsAccepted: r.units_accepted,
      unitsRejected: r.units_rejected,
      checksFaulted: r.checks_faulted,
      quarantinedAt: Number(r.quarantined_at),
      convicted: r.convicted_at !== null,
    })),
    total: await quarantinedSessionCount(db),
    next: rows.length > OPERATOR_PAGE && last ? `${Number(last.quarantined_at)}.${last.session_id}` : null,
  };
}

async function openDisputes(db: SqlExecutor) {
  const rows = await db.query<{
    id: string | number;
    onchain_id: string | number | null;
    total_wei: string;
    tx_hash: string | null;
    posted_at: string | number | null;
    disputable_until: string | number | null;
    held: string[] | null;
    total: number;
  }>(
    `SELECT s.id, s.onchain_id, s.total_wei::text AS total_wei, s.tx_hash, s.posted_at, s.disputable_until,
            (SELECT array_agg(j.job_id ORDER BY j.job_id) FROM settlement_jobs j
               JOIN job_payments p ON p.job_id = j.job_id AND p.state = 'held'
              WHERE j.settlement_id = s.id) AS held,
            count(*) OVER ()::int AS total
       FROM settlements s WHERE s.state = 'disputed' ORDER BY s.id LIMIT $1`,
    [OPERATOR_PAGE],
  );
  return {
    rows: rows.map((r) => ({
      settlementId: Number(r.id),
      onchainId: r.onchain_id === null ? null : String(r.onchain_id),
      totalWei: r.total_wei,
      txHash: r.tx_hash,
      postedAt: r.posted_at === null ? null : Number(r.posted_at),
      disputableUntil: r.disputable_until === null ? null : Number(r.disputable_until),
      heldJobs: r.held ?? [],
    })),
    total: rows[0]?.total ?? 0,
  };
}

async function recentSettlements(db: SqlExecutor, before: string | null | undefined) {
  const cursor = cursorOf(before);
  // A settlement's lag: from the first credit it newly paid (past the watermark of the last settlement
  // posted before it) maturing, to its posting. Each row's subqueries stop at their first row of a primary
  // key's order, so the page costs the same however many settlements and credits there are.
  const rows = await db.query<{
    id: string | number;
    onchain_id: string | number | null;
    state: string;
    total_wei: string;
    tx_hash: string | null;
    error: string | null;
    created_at: string | number;
    posted_at: string | number | null;
    jobs: number;
    addresses: number;
    oldest: string | number | null;
  }>(
    `SELECT s.id, s.onchain_id, s.state, s.total_wei::text AS total_wei, s.tx_hash, s.error, s.created_at,
            s.posted_at,
            (SELECT count(*)::int FROM settlement_jobs j WHERE j.settlement_id = s.id) AS jobs,
            (SELECT count(*)::int FROM settlement_leaves l WHERE l.settlement_id = s.id) AS addresses,
            (SELECT c.matures_at FROM credits c
              WHERE c.id <= s.credit_watermark AND c.matures_at <= s.created_at AND c.forfeited_at IS NULL
                AND c.id > coalesce((SELECT p.credit_watermark FROM settlements p
                                      WHERE p.id < s.id AND p.posted_at IS NOT NULL
                                        AND p.state IN ('posted', 'pending', 'final')
                                      ORDER BY p.id DESC LIMIT 1), 0)
              ORDER BY c.id LIMIT 1) AS oldest
       FROM settlements s
      WHERE ($1::bigint IS NULL OR s.id < $1::bigint)
      ORDER BY s.id DESC LIMIT $2`,
    [cursor?.at ?? null, OPERATOR_PAGE + 1],
  );
  const [count] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM settlements');
  const page = rows.slice(0, OPERATOR_PAGE);
  const last = page.at(-1);
  return {
    rows: page.map((r) => ({
      id: Number(r.id),
      onchainId: r.onchain_id === null ? null : String(r.onchain_id),
      state: r.state,
      totalWei: r.total_wei,
      txHash: r.tx_hash,
      error: r.error,
      createdAt: Number(r.created_at),
      postedAt: r.posted_at === null ? null : Number(r.posted_at),
      jobs: r.jobs,
      addresses: r.addresses,
      lagSeconds:
        r.posted_at === null || r.oldest === null
          ? null
          : Math.max(0, (Number(r.posted_at) - Number(r.oldest)) / 1000),
    })),
    total: count?.n ?? 0,
    next: rows.length > OPERATOR_PAGE && last ? String(last.id) : null,
  };
}

/**
 * Units leased past their deadline that nobody took back yet, and units handed out STUCK_ATTEMPTS times or
 * more without a verdict: the longest lapsed first. Only undecided units are looked at (the partial index
 * units_leasable covers them), never the done ones.
 */
async function stuckUnits(db: SqlExecutor, now: number) {
  const rows = await db.query<{
    id: string | number;
    job_id: string;
    tile_index: number;
    sample_start: number;
    sample_end: number;
    state: string;
    session_id: string | null;
    lease_expires_at: string | number | null;
    attempts: number;
    total: number;
  }>(
    `SELECT id, job_id, tile_index, sample_start, sample_end, state, session_id, lease_expires_at, attempts,
            count(*) OVER ()::int AS total
       FROM units
      WHERE state <> 'done' AND state IN ('pending', 'leased')
        AND ((state = 'leased' AND lease_expires_at <= $1) OR attempts >= $2)
      ORDER BY CASE WHEN state = 'leased' AND lease_expires_at <= $1 THEN lease_expires_at END NULLS LAST,
               attempts DESC, id
      LIMIT $3`,
    [now, STUCK_ATTEMPTS, OPERATOR_PAGE],
  );
  return {
    rows: rows.map((r) => {
      const lapsed = r.state === 'leased' && r.lease_expires_at !== null && Number(r.lease_expires_at) <= now;
      return {
        unitId: Number(r.id),
        jobId: r.job_id,
        tileIndex: r.tile_index,
        samples: [r.sample_start, r.sample_end] as [number, number],
        state: r.state,
        sessionId: r.session_id,
        leaseExpiresAt: r.lease_expires_at === null ? null : Number(r.lease_expires_at),
        attempts: r.attempts,
        why: lapsed ? ('lease-lapsed' as const) : ('retried' as const),
      };
    }),
    total: rows[0]?.total ?? 0,
  };
}
