import type { SqlExecutor } from '../coordinator/db/sql';
import { InvalidRequestError, UnauthenticatedError } from '../protocol/errors';
import {
  fromBase64Url,
  KEY_ALGORITHM,
  type SessionPublicKey,
  SIGNATURE_ALGORITHM,
} from '../protocol/session-signature';

/**
 * Who a contributor session is: whoever holds the private half of the key pinned to it on its first lease
 * (pinSessionKey). Anything done in a session's name that others could do by merely
 * knowing its id (submitting results, choosing where its credit is paid) must carry that key's signature.
 */

/**
 * Pins a session's public key the first time it shows one (trust on first use: a lease, or a payout binding
 * made before the first lease), creating its row if need be. A different key for a session that already
 * has one is refused: whoever holds the first key is the session.
 */
export async function pinSessionKey(
  tx: SqlExecutor,
  sessionId: string,
  key: SessionPublicKey,
  now: number,
): Promise<void> {
  const [row] = await tx.query<{ public_key: SessionPublicKey }>(
    `INSERT INTO contributors (session_id, first_seen_at, last_seen_at, public_key) VALUES ($1, $3, $3, $2::jsonb)
     ON CONFLICT (session_id) DO UPDATE SET public_key = COALESCE(contributors.public_key, EXCLUDED.public_key)
     RETURNING public_key`,
    [sessionId, JSON.stringify({ kty: key.kty, crv: key.crv, x: key.x, y: key.y }), now],
  );
  if (row && (row.public_key.x !== key.x || row.public_key.y !== key.y)) {
    throw new UnauthenticatedError('This session id belongs to another key', {
      metaMessages: ['Open a new contribute tab (a new session); a session keeps the key it started with.'],
    });
  }
}

/** What a session signature looks like on the wire: base64url of a P-256 ECDSA signature. */
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{20,200}$/;

/**
 * Checks that `signature` is the session's pinned key's signature of `message`; throws a 401 naming the
 * next step otherwise. `what` names the signed thing in messages ("result", "payout binding").
 */
export async function verifySessionSignature(
  db: SqlExecutor,
  signed: { sessionId: string; message: Uint8Array<ArrayBuffer>; signature: string | null | undefined },
  what: string,
): Promise<void> {
  if (!signed.signature || !SIGNATURE_PATTERN.test(signed.signature)) {
    throw new UnauthenticatedError(`The ${what} is not signed by the session`, {
      metaMessages: [`Send the session key’s ECDSA signature of the ${what} (the contribute page does).`],
    });
  }
  const [row] = await db.query<{ public_key: SessionPublicKey | null }>(
    'SELECT public_key FROM contributors WHERE session_id = $1',
    [signed.sessionId],
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
  const valid = await crypto.subtle.verify(
    SIGNATURE_ALGORITHM,
    key,
    fromBase64Url(signed.signature),
    signed.message,
  );
  if (!valid) {
    throw new UnauthenticatedError(`The signature does not match this session’s key and ${what}`, {
      metaMessages: [`Nothing was changed. Sign the ${what} with the key of the session it is for.`],
    });
  }
}
