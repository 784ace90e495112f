import type { SqlExecutor } from '../coordinator/db/sql';

/**
 * Trusted verifiers: the operator's own renderers (the headless provider `npm start` runs with the
 * operator's token), a party no cartel of sessions can reach. They render only escalations (any
 * disagreement about a submission) and audits (a random re-check of an accepted unit before its credit
 * matures), and their re-render decides: docs/design.md, "Verification under attack".
 */

/** Marks a session as a trusted verifier (the lease route does, when the operator's token comes with it). */
export async function markTrustedVerifier(tx: SqlExecutor, sessionId: string, now: number): Promise<void> {
  await tx.query(
    `INSERT INTO contributors (session_id, first_seen_at, last_seen_at, trusted) VALUES ($1, $2, $2, true)
     ON CONFLICT (session_id) DO UPDATE SET trusted = true`,
    [sessionId, now],
  );
}

/** Whether any trusted verifier asked for work within `windowMs`: escalations and audits need one. */
export async function trustedVerifierActive(
  tx: SqlExecutor,
  now: number,
  windowMs: number,
): Promise<boolean> {
  const [row] = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM contributors WHERE trusted AND last_seen_at >= $1',
    [now - windowMs],
  );
  return (row?.n ?? 0) > 0;
}
