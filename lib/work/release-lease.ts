import type { CoordinatorContext } from '../coordinator/context';
import { InvalidRequestError } from '../protocol/errors';

/**
 * Gives a lease back before its time (DELETE /api/work/leases/:leaseId): a contributor that leased a unit
 * ahead and then pauses, or stops now, hands it straight to the next device instead of letting it lapse for
 * the whole lease time. Only the holding session can; a unit goes back to pending (a straggler's backup copy
 * is simply void), a check back to its pool. Releasing a lease that is not held, or no longer, does nothing.
 */
export async function releaseLease(
  ctx: CoordinatorContext,
  params: { leaseId: string; sessionId: string },
): Promise<{ released: boolean }> {
  if (!params.sessionId) {
    throw new InvalidRequestError('The release has no session', {
      metaMessages: ['Send the session id that took the lease in the x-lumengrid-session header.'],
    });
  }
  return ctx.db.transaction(async (tx) => {
    const units = await tx.query<{ id: number }>(
      `UPDATE units SET state = CASE WHEN backup_of IS NULL THEN 'pending' ELSE 'void' END,
         lease_id = NULL, session_id = NULL, lease_expires_at = NULL, leased_at = NULL, open_since = $3
       WHERE lease_id = $1 AND session_id = $2 AND state = 'leased' RETURNING id`,
      [params.leaseId, params.sessionId, ctx.now()],
    );
    // A lease may carry checks along with its unit (Lease.checks): they go back too.
    const checks = await tx.query<{ id: number }>(
      `UPDATE checks SET state = 'pending', lease_id = NULL, session_id = NULL, lease_expires_at = NULL,
         leased_at = NULL
       WHERE lease_id = $1 AND session_id = $2 AND state = 'leased' RETURNING id`,
      [params.leaseId, params.sessionId],
    );
    return { released: units.length + checks.length > 0 };
  });
}
