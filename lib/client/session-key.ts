import {
  KEY_ALGORITHM,
  payoutSigningMessage,
  resultSigningMessage,
  type SessionPublicKey,
  SIGNATURE_ALGORITHM,
  toBase64Url,
} from '../protocol/session-signature';

/**
 * This process's session keys, one per contributor session id. In a browser tab the key pair is kept in
 * sessionStorage next to the session id (a reload keeps both; another tab is another session); in Node
 * (provider, simulations) it lives as long as the process.
 */
interface SessionKey {
  publicKey: SessionPublicKey;
  privateKey: CryptoKey;
}

const keys = new Map<string, Promise<SessionKey>>();
const STORAGE_PREFIX = 'lumengrid.session-key.';

function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

async function loadOrCreate(sessionId: string): Promise<SessionKey> {
  const store = storage();
  const saved = store?.getItem(STORAGE_PREFIX + sessionId);
  if (saved) {
    try {
      const jwk = JSON.parse(saved) as JsonWebKey;
      const privateKey = await crypto.subtle.importKey('jwk', jwk, KEY_ALGORITHM, false, ['sign']);
      return { privateKey, publicKey: { kty: 'EC', crv: 'P-256', x: jwk.x as string, y: jwk.y as string } };
    } catch {
      // unreadable: make a new one (the server will refuse it for this session; the tab starts a new session)
    }
  }
  const pair = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  store?.setItem(STORAGE_PREFIX + sessionId, JSON.stringify(jwk));
  return {
    privateKey: pair.privateKey,
    publicKey: { kty: 'EC', crv: 'P-256', x: jwk.x as string, y: jwk.y as string },
  };
}

function keyFor(sessionId: string): Promise<SessionKey> {
  let key = keys.get(sessionId);
  if (!key) {
    key = loadOrCreate(sessionId);
    keys.set(sessionId, key);
  }
  return key;
}

export async function sessionPublicKey(sessionId: string): Promise<SessionPublicKey> {
  return (await keyFor(sessionId)).publicKey;
}

/** The signature header value for a result body answering `leaseId`. */
export async function signResult(sessionId: string, leaseId: string, body: Uint8Array): Promise<string> {
  const { privateKey } = await keyFor(sessionId);
  const signature = await crypto.subtle.sign(
    SIGNATURE_ALGORITHM,
    privateKey,
    await resultSigningMessage(leaseId, body),
  );
  return toBase64Url(signature);
}

/** The session's signature that lets its credit be paid to `address` (POST …/payout-address). */
export async function signPayoutBinding(
  sessionId: string,
  address: string,
  chainId: number,
): Promise<string> {
  const { privateKey } = await keyFor(sessionId);
  const signature = await crypto.subtle.sign(
    SIGNATURE_ALGORITHM,
    privateKey,
    payoutSigningMessage(sessionId, address, chainId),
  );
  return toBase64Url(signature);
}
