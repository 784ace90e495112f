import type { SqlExecutor } from '../coordinator/db/sql';
import { acceptedUnitsOf, sessionCredit } from '../ledger/credits';
import type { ContributorView } from '../protocol/api-types';
import { NotFoundError } from '../protocol/errors';
import { getContributor } from '../verification/contributor-records';

/** A contributor's record and the verdict on each unit it submitted (GET /api/contributors/:sessionId). */
export async function contributorView(tx: SqlExecutor, sessionId: string): Promise<ContributorView> {
  const row = await getContributor(tx, sessionId);
  if (!row) {
    throw new NotFoundError(`No contributor session ${sessionId}`, {
      metaMessages: ['A session appears once it has asked for work. Press Start on the contribute page.'],
    });
  }
  const LIMIT = 1000;
  const open = await tx.query<{
    unit_id: number;
    job_id: string;
    verdict: 'verifying' | 'rejected';
    at: number;
  }>(
    `SELECT id AS unit_id, job_id, 'rejected' AS verdict, 0 AS at FROM units WHERE $1 = ANY (rejected_sessions)
     UNION ALL
     SELECT id, job_id, 'verifying', submitted_at FROM units WHERE state = 'verifying' AND submitted_by = $1
     LIMIT $2`,
    [sessionId, LIMIT],
  );
  const accepted = await acceptedUnitsOf(tx, sessionId, LIMIT);
  const units = [
    ...accepted.map((u) => ({ unitId: u.unitId, jobId: u.jobId, verdict: 'accepted' as const, at: u.at })),
    ...open.map((u) => ({
      unitId: Number(u.unit_id),
      jobId: u.job_id,
      verdict: u.verdict,
      at: Number(u.at),
    })),
  ]
    .sort((a, b) => b.at - a.at || b.unitId - a.unitId)
    .slice(0, LIMIT);
  const [payout] = await tx.query<{ address: `0x${string}` }>(
    'SELECT address FROM payout_addresses WHERE session_id = $1',
    [sessionId],
  );
  return {
    sessionId,
    unitsAccepted: row.unitsAccepted,
    unitsRejected: row.unitsRejected,
    unitsVerifying: units.filter((u) => u.verdict === 'verifying').length,
    checksAgreed: row.checksAgreed,
    checksFaulted: row.checksFaulted,
    quarantined: row.quarantinedAt !== null,
    creditedPixelSamples: await sessionCredit(tx, sessionId),
    payoutAddress: payout?.address ?? null,
    units: units.map(({ unitId, jobId, verdict }) => ({ unitId, jobId, verdict })),
  };
}
