/**
 * Contributor session keys: each session (a tab, or a headless provider) holds an ECDSA P-256 key pair made
 * with WebCrypto. Its public key is sent with the lease request and pinned to the session on first sight;
 * every result is signed over the lease it answers and the SHA-256 of its bytes, so nobody who merely knows
 * (or guesses) a session id can submit for it, and a signature cannot be moved to another lease or body.
 * Shared by browser, Node provider and server (globalThis.crypto.subtle exists in all three).
 */
export const SIGNATURE_HEADER = 'x-lumengrid-signature';

export const SIGNATURE_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** The public half, as a JWK with only what verification needs. */
export interface SessionPublicKey {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The exact bytes a session signs for a result: its lease id and the body's digest. */
export async function resultSigningMessage(
  leaseId: string,
  body: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const digest = await crypto.subtle.digest('SHA-256', body as Uint8Array<ArrayBuffer>);
  return new TextEncoder().encode(`lumengrid-result\n${leaseId}\n${hex(digest)}`);
}

/**
 * The exact bytes a session signs to have its credit paid to `address` on `chainId`: together with the
 * address's own signature of payoutBindingMessage, a binding proves both ends, the session and the wallet.
 */
export function payoutSigningMessage(
  sessionId: string,
  address: string,
  chainId: number,
): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`lumengrid-payout\n${sessionId}\n${address.toLowerCase()}\n${chainId}`);
}

export function toBase64Url(bytes: ArrayBuffer): string {
  let binary = '';
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
