/**
 * Where a request carries a job owner's token (lib/work/job-owner.ts): `authorization: Bearer <token>`, or,
 * for reads by <img> and EventSource (which cannot send headers), the HttpOnly cookie the dashboard gets
 * from POST /api/jobs and POST /api/owner/session. A cookie rather than `?token=` in the URL: a URL is kept
 * in server and proxy logs, in browser history and in Referer headers, and is copied with a link; the
 * cookie is sent only to /api/jobs on this site (SameSite=Strict: no other site's page can read images
 * with it). Controls (cancel, pause, resume, priority) take the header only, so a cookie alone can never
 * act: no cross-site request forgery.
 */

import { OWNER_SIGNATURE_EXPIRES_HEADER, OWNER_SIGNATURE_HEADER } from '../protocol/job-control';

export const OWNER_COOKIE = 'lumengrid-owner';

/** Longest credential read: a token is 43 characters; anything much longer is refused unhashed. */
const MAX_TOKEN_CHARS = 128;

export interface OwnerCredential {
  token: string;
  from: 'header' | 'cookie';
}

/** The Bearer token of the request, or null when it has none (or a header that is not a Bearer token). */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header.slice(0, MAX_TOKEN_CHARS + 16));
  return match?.[1] ?? null;
}

/** The owner credential for a read: the header first, else the cookie. */
export function readCredential(request: Request): OwnerCredential | null {
  const token = bearerToken(request);
  if (token !== null) return { token, from: 'header' };
  const cookie = request.headers.get('cookie');
  if (!cookie) return null;
  for (const part of cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === OWNER_COOKIE)
      return { token: value.join('=').slice(0, MAX_TOKEN_CHARS + 1), from: 'cookie' };
  }
  return null;
}

/** The Set-Cookie header value that lets this browser's <img> and EventSource read its private jobs. */
export function ownerCookie(token: string, secure: boolean): string {
  // A year: the dashboard keeps the token in localStorage as long, and renews the cookie from it.
  return `${OWNER_COOKIE}=${token}; Path=/api/jobs; Max-Age=31536000; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** Whether the request came over HTTPS (the cookie is then Secure). */
export function isSecureRequest(request: Request): boolean {
  return new URL(request.url).protocol === 'https:';
}

/** A paid job's wallet signing for a control (lib/protocol/job-control.ts jobControlMessage). */
export interface WalletProof {
  signature: `0x${string}`;
  /** Unix seconds. */
  expiresAt: number;
}

/** The wallet proof the request carries, or null when it has none or one that is malformed. */
export function walletProof(request: Request): WalletProof | null {
  const signature = request.headers.get(OWNER_SIGNATURE_HEADER)?.trim() ?? '';
  const expires = request.headers.get(OWNER_SIGNATURE_EXPIRES_HEADER)?.trim() ?? '';
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature) || !/^[0-9]{1,12}$/.test(expires)) return null;
  return { signature: signature as `0x${string}`, expiresAt: Number(expires) };
}
