import type { SqlExecutor } from '../coordinator/db/sql';
import { resultSigningMessage } from '../protocol/session-signature';
import { verifySessionSignature } from '../verification/session-identity';

/**
 * Checks that a result body is signed by its session's pinned key, over this lease id. Runs before the
 * result touches any state.
 */
export async function verifyResultSignature(
  db: SqlExecutor,
  submission: { sessionId: string; leaseId: string; body: Uint8Array; signature: string | null },
): Promise<void> {
  await verifySessionSignature(
    db,
    {
      sessionId: submission.sessionId,
      message: await resultSigningMessage(submission.leaseId, submission.body),
      signature: submission.signature,
    },
    'result',
  );
}
