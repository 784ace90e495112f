import type { SqlExecutor } from '../coordinator/db/sql';
import { InvalidRequestError, UnauthenticatedError } from '../protocol/errors';
import {
  fromBase64Url,
  KEY_ALGORITHM,
  resultSigningMessage,
  type SessionPublicKey,
  SIGNATURE_ALGORITHM,
} from '../protocol/session-signature';

/**
 * Pins a session's public key on its first lease (trust on first use). A different key for a session that
 * already has one is refused: whoever holds the first key is the session.
 */
export async function pinSessionKey(
  tx: SqlExecutor,
  sessionId: string,
  key: SessionPublicKey,
): Promise<void> {
  const [row] = await tx.query<{ public_key: SessionPublicKey }>(
    `UPDATE contributors SET public_key = COALESCE(public_key, $2::jsonb) WHERE session_id = $1 RETURNING public_key`,
    [sessionId, JSON.stringify({ kty: key.kty, crv: key.crv, x: key.x, y: key.y })],
  );
  if (row && (row.public_key.x !== key.x || row.public_key.y !== key.y)) {
    throw new UnauthenticatedError('This session id belongs to another key', {
      metaMessages: ['Open a new contribute tab (a new session); a session keeps the key it started with.'],
    });
  }
}

/**
 * Checks that a result body is signed by its session's pinned key, over this lease id. Runs before the
 * result touches any state.
 */
export async function verifyResultSignature(
  db: SqlExecutor,
  submission: { sessionId: string; leaseId: string; body: Uint8Array; signature: string | null },
): Promise<void> {
  if (!submission.signature || !/^[A-Za-z0-9_-]{20,200}$/.test(submission.signature)) {
    throw new UnauthenticatedError('The result is not signed', {
      metaMessages: [
        'Send the x-lumengrid-signature header: the session key’s ECDSA signature of the result.',
      ],
    });
  }
  const [row] = await db.query<{ public_key: SessionPublicKey | null }>(
    'SELECT public_key FROM contributors WHERE session_id = $1',
    [submission.sessionId],
  );
  if (!row?.public_key) {
    throw new UnauthenticatedError('This session has no key to check the signature with', {
      metaMessages: ['Lease work with your session’s public key first (the contribute page does).'],
    });
  }
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey('jwk', { ...row.public_key, ext: true }, KEY_ALGORITHM, false, [
      'verify',
    ]);
  } catch (cause) {
    throw new InvalidRequestError('The session’s public key is not a valid P-256 key', { cause });
  }
  const signature = fromBase64Url(submission.signature);
  const valid = await crypto.subtle.verify(
    SIGNATURE_ALGORITHM,
    key,
    signature,
    await resultSigningMessage(submission.leaseId, submission.body),
  );
  if (!valid) {
    throw new UnauthenticatedError('The signature does not match this session’s key, lease and result', {
      metaMessages: [
        'Nothing was accepted. Submit the result as it was rendered, signed by the session that leased it.',
      ],
    });
  }
}
