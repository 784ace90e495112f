import type { SqlExecutor } from '../coordinator/db/sql';
import { QuarantinedError } from '../protocol/errors';
import {
  type ContributorRecord,
  QUARANTINE_AFTER_CHECKER_FAULTS,
  QUARANTINE_AFTER_REJECTIONS,
} from './policy';

/** Who is asking for work, as the coordinator sees it at the edge. */
export interface ContributorIdentity {
  sessionId: string;
  /** Network origin (client address) where known, else null: checks are never issued to the same origin. */
  origin: string | null;
  /** Adapter class ("vendor/architecture") the contributor reported, else null. */
  adapterClass: string | null;
}

export interface ContributorRow extends ContributorRecord {
  sessionId: string;
  origin: string | null;
  adapterClass: string | null;
  checksAgreed: number;
  checksFaulted: number;
  quarantinedAt: number | null;
  /** Pixel-samples per second, as the coordinator timed this session's submissions; null before any. */
  speed: number | null;
  /** The largest piece of work (pixel-samples) it delivered, which bounds how fast its units grow. */
  unitBudget: number | null;
  lastSubmitAt: number | null;
  /** The operator's own renderer: renders escalations and audits only (lib/verification/trusted-verifier.ts). */
  trusted: boolean;
  /** Accepted units of this session a trusted verifier audited and found honest: it may vouch from one on. */
  auditsPassed: number;
  /** When a trusted re-render proved it lied; null if never. */
  convictedAt: number | null;
}

interface Row {
  session_id: string;
  origin: string | null;
  adapter_class: string | null;
  units_accepted: number;
  units_rejected: number;
  checks_agreed: number;
  checks_faulted: number;
  quarantined_at: number | null;
  speed: number | null;
  unit_budget: number | string | null;
  last_submit_at: number | string | null;
  trusted: boolean | null;
  audits_passed: number | null;
  convicted_at: number | string | null;
}

function toRow(r: Row): ContributorRow {
  return {
    sessionId: r.session_id,
    origin: r.origin,
    adapterClass: r.adapter_class,
    unitsAccepted: r.units_accepted,
    unitsRejected: r.units_rejected,
    checksAgreed: r.checks_agreed,
    checksFaulted: r.checks_faulted,
    quarantinedAt: r.quarantined_at === null ? null : Number(r.quarantined_at),
    speed: r.speed === null ? null : Number(r.speed),
    unitBudget: r.unit_budget === null ? null : Number(r.unit_budget),
    lastSubmitAt: r.last_submit_at === null ? null : Number(r.last_submit_at),
    trusted: r.trusted === true,
    auditsPassed: Number(r.audits_passed ?? 0),
    convictedAt: r.convicted_at === null || r.convicted_at === undefined ? null : Number(r.convicted_at),
  };
}

/**
 * Records that a session asked for work (creating its row on first sight) and refuses a quarantined one.
 * The origin and adapter class of the first sighting stick: a session cannot launder its origin later.
 */
export async function touchContributor(
  tx: SqlExecutor,
  who: ContributorIdentity,
  now: number,
): Promise<ContributorRow> {
  const [row] = await tx.query<Row>(
    `INSERT INTO contributors (session_id, origin, adapter_class, first_seen_at, last_seen_at)
     VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (session_id) DO UPDATE SET last_seen_at = $4,
       origin = COALESCE(contributors.origin, EXCLUDED.origin),
       adapter_class = COALESCE(contributors.adapter_class, EXCLUDED.adapter_class)
     RETURNING *`,
    [who.sessionId, who.origin, who.adapterClass, now],
  );
  if (!row) throw new Error('contributor upsert returned nothing');
  const contributor = toRow(row);
  if (contributor.quarantinedAt !== null) {
    throw new QuarantinedError('This session is quarantined: its results or checks failed verification', {
      metaMessages: [
        'No more work is handed to it. If your GPU or browser misbehaves, update its driver and start again from a new tab.',
      ],
    });
  }
  return contributor;
}

export async function getContributor(tx: SqlExecutor, sessionId: string): Promise<ContributorRow | null> {
  const [row] = await tx.query<Row>('SELECT * FROM contributors WHERE session_id = $1', [sessionId]);
  return row ? toRow(row) : null;
}

/** A submission of this session was accepted or rejected; repeat offenders are quarantined. */
export function recordUnitVerdict(tx: SqlExecutor, sessionId: string, accepted: boolean, now: number) {
  return bumpRecord(tx, sessionId, accepted, UNIT_RECORD, now);
}

/** A check of this session agreed with the final verdict, or contradicted it (a fault). */
export function recordCheckVerdict(tx: SqlExecutor, sessionId: string, right: boolean, now: number) {
  return bumpRecord(tx, sessionId, right, CHECK_RECORD, now);
}

/** Columns of one record and how many bad marks quarantine a session. */
interface RecordColumns {
  good: 'units_accepted' | 'checks_agreed';
  bad: 'units_rejected' | 'checks_faulted';
  quarantineAfter: number;
}
const UNIT_RECORD: RecordColumns = {
  good: 'units_accepted',
  bad: 'units_rejected',
  quarantineAfter: QUARANTINE_AFTER_REJECTIONS,
};
const CHECK_RECORD: RecordColumns = {
  good: 'checks_agreed',
  bad: 'checks_faulted',
  quarantineAfter: QUARANTINE_AFTER_CHECKER_FAULTS,
};

async function bumpRecord(
  tx: SqlExecutor,
  sessionId: string,
  good: boolean,
  { good: goodColumn, bad, quarantineAfter }: RecordColumns,
  now: number,
): Promise<void> {
  if (good) {
    await tx.query(`UPDATE contributors SET ${goodColumn} = ${goodColumn} + 1 WHERE session_id = $1`, [
      sessionId,
    ]);
    return;
  }
  await tx.query(
    `UPDATE contributors SET ${bad} = ${bad} + 1,
       quarantined_at = CASE WHEN ${bad} + 1 >= $2 THEN COALESCE(quarantined_at, $3) ELSE quarantined_at END
     WHERE session_id = $1`,
    [sessionId, quarantineAfter, now],
  );
}

/**
 * Times a submission (a unit or a check of `pixelSamples`, leased at `leasedAt`) into the session's measured
 * speed (lib/work/carve.ts nextSpeed): the coordinator's own clock, not the contributor's word.
 */
export async function recordSubmissionTiming(
  tx: SqlExecutor,
  sessionId: string,
  speed: number,
  pixelSamples: number,
  now: number,
): Promise<void> {
  // unit_budget: the largest piece of work this session delivered, which bounds how fast its units grow.
  await tx.query(
    `UPDATE contributors SET speed = $2, last_submit_at = $3,
       unit_budget = GREATEST(COALESCE(unit_budget, 0), $4) WHERE session_id = $1`,
    [sessionId, speed, now, pixelSamples],
  );
}

/**
 * Records that these leases lapsed (their work was handed to someone else, or their holder came back
 * without delivering), once per lease however many units and checks it held, dated when it expired.
 */
export async function recordLapses(tx: SqlExecutor, lapsed: Lapse[]): Promise<void> {
  if (lapsed.length === 0) return;
  await tx.query(
    `INSERT INTO lease_lapses (lease_id, session_id, lapsed_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ON CONFLICT (lease_id) DO NOTHING`,
    [lapsed.map((l) => l.leaseId), lapsed.map((l) => l.sessionId), lapsed.map((l) => l.at)],
  );
}

export interface Lapse {
  sessionId: string;
  leaseId: string;
  /** When its lease expired. */
  at: number;
}

/** A session's own leases that expired undelivered: lapses it comes back with. */
export async function recordOwnLapses(tx: SqlExecutor, sessionId: string, now: number): Promise<void> {
  await tx.query(
    `INSERT INTO lease_lapses (lease_id, session_id, lapsed_at)
     SELECT lease_id, session_id, max(lease_expires_at) FROM (
       SELECT lease_id, session_id, lease_expires_at FROM units
       WHERE session_id = $1 AND state = 'leased' AND lease_expires_at <= $2
       UNION ALL
       SELECT lease_id, session_id, lease_expires_at FROM checks
       WHERE session_id = $1 AND state = 'leased' AND lease_expires_at <= $2) expired
     GROUP BY lease_id, session_id
     ON CONFLICT (lease_id) DO NOTHING`,
    [sessionId, now],
  );
}

/**
 * Until when a session that keeps letting leases lapse waits for its next one (null: it need not wait):
 * lapses since it last delivered in time, the first `lapsesForgiven` free, then a wait from the last lapse
 * that doubles with each one.
 */
export async function lapsePenaltyUntil(
  tx: SqlExecutor,
  contributor: Pick<ContributorRow, 'sessionId' | 'lastSubmitAt'>,
  rules: { lapsesForgiven: number; lapsePenaltyMs: number; lapsePenaltyMaxMs: number },
): Promise<{ until: number; lapses: number } | null> {
  const [row] = await tx.query<{ n: number | string; last: number | string | null }>(
    'SELECT count(*) AS n, max(lapsed_at) AS last FROM lease_lapses WHERE session_id = $1 AND lapsed_at > $2',
    [contributor.sessionId, contributor.lastSubmitAt ?? 0],
  );
  const lapses = Number(row?.n ?? 0);
  const unforgiven = lapses - rules.lapsesForgiven;
  if (unforgiven <= 0 || row?.last === null || row?.last === undefined) return null;
  const wait = Math.min(rules.lapsePenaltyMaxMs, rules.lapsePenaltyMs * 2 ** Math.min(unforgiven - 1, 20));
  return { until: Number(row.last) + wait, lapses };
}
