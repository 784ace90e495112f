import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type ServerConfig, serverConfig } from '../config/server-config';
import { RateLimitedError } from '../protocol/errors';
import { clientOrigin } from './client-origin';
import type { CoordinatorContext } from './context';
import { readBody } from './http';
import { originKey, takeRateLimit } from './rate-limit';

/**
 * The operator page's sign-in (/operator, lib/work/operator-view.ts). The operator pastes
 * LUMENGRID_OPERATOR_TOKEN into a form once; the server compares it in constant time and answers with a
 * cookie that holds an expiry and an HMAC of it keyed by the token, never the token: a stolen cookie lapses,
 * and changing the token signs everyone out. Nothing is stored, so every instance on one database accepts
 * the cookie any of them set. Each attempt takes from a per-origin bucket shared by the instances
 * (operatorSignInPerOrigin): a guesser gets five, then one a minute.
 */
export const OPERATOR_COOKIE = 'lumengrid_operator';
/** The page and its sign-in route only: the cookie is never sent with anything else. */
export const OPERATOR_PATH = '/operator';
export const OPERATOR_SESSION_MS = 12 * 3_600_000;
/** A form with one token (at most 512 characters) fits well within this. */
const MAX_FORM_BYTES = 2_048;

type OperatorConfig = Pick<
  ServerConfig,
  'LUMENGRID_OPERATOR_TOKEN' | 'LUMENGRID_TRUST_PROXY' | 'LUMENGRID_PEER_HEADER'
>;

/** Equal strings, in time that depends on neither (both are hashed first, so not even on their lengths). */
export function sameSecret(given: string, secret: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(secret));
}

function mac(token: string, expiresAt: number): string {
  return createHmac('sha256', token).update(`lumengrid operator session ${expiresAt}`).digest('base64url');
}

/** The cookie's value: `<expiry ms>.<HMAC>`. */
export function operatorSessionValue(token: string, now: number): string {
  const expiresAt = now + OPERATOR_SESSION_MS;
  return `${expiresAt}.${mac(token, expiresAt)}`;
}

/** Whether a cookie's value is a live session for this token. */
export function operatorSessionValid(
  value: string | undefined,
  token: string | undefined,
  now: number,
): boolean {
  if (!token || !value || value.length > 128) return false;
  const match = /^(\d{13,15})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return false;
  const expiresAt = Number(match[1]);
  if (expiresAt <= now || expiresAt > now + OPERATOR_SESSION_MS) return false;
  return sameSecret(match[2] as string, mac(token, expiresAt));
}

/** The operator page's state for a request that carries `cookie` (the operator cookie's value, if any). */
export function operatorAccess(
  cookie: string | undefined,
  now: number,
  token: string | undefined = serverConfig().LUMENGRID_OPERATOR_TOKEN,
): 'off' | 'signed-out' | 'signed-in' {
  if (!token) return 'off';
  return operatorSessionValid(cookie, token, now) ? 'signed-in' : 'signed-out';
}

/** Why the last sign-in failed, as the page's query says it (`/operator?signin=…`). */
export type SignInRefusal = 'wrong' | 'limited' | 'off' | 'cross-site';

/**
 * POST /operator/session, a form: `token` signs in, `signOut` signs out. Answers 303 back to the page (a
 * plain form, no script needed), with the cookie when the token is right and `?signin=<refusal>` when not.
 */
export async function operatorSessionResponse(
  request: Request,
  ctx: Pick<CoordinatorContext, 'rateLimits' | 'now'>,
  config: OperatorConfig = serverConfig(),
): Promise<Response> {
  const secure = isHttps(request, config);
  const back = (refusal: SignInRefusal | null, cookie?: string, retryAfter?: number) => {
    const headers = new Headers({ location: refusal ? `${OPERATOR_PATH}?signin=${refusal}` : OPERATOR_PATH });
    headers.set('cache-control', 'no-store');
    if (cookie !== undefined) headers.append('set-cookie', cookie);
    if (retryAfter) headers.set('retry-after', String(retryAfter));
    return new Response(null, { status: 303, headers });
  };
  // Another site's page may post this form (a "simple" request): sign nobody in or out from there. The
  // browser says where a request comes from; Origin is not compared with the URL, which a proxy rewrites.
  const site = request.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return back('cross-site');
  const token = config.LUMENGRID_OPERATOR_TOKEN;
  if (!token) return back('off');
  const form = new URLSearchParams(new TextDecoder().decode(await readBody(request, MAX_FORM_BYTES)));
  if (form.has('signOut')) return back(null, cookieHeader('', 0, secure));
  try {
    await takeRateLimit(ctx, 'operatorSignInPerOrigin', originKey(clientOrigin(request, config)), 'sign-ins');
  } catch (error) {
    if (error instanceof RateLimitedError) return back('limited', undefined, error.retryAfterSeconds);
    throw error;
  }
  const given = (form.get('token') ?? '').trim();
  if (!sameSecret(given, token)) return back('wrong');
  return back(null, cookieHeader(operatorSessionValue(token, ctx.now()), OPERATOR_SESSION_MS / 1000, secure));
}

function cookieHeader(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${OPERATOR_COOKIE}=${value}`,
    `Path=${OPERATOR_PATH}`,
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** https as the browser sees it: the request's own scheme, or the trusted proxy's X-Forwarded-Proto. */
function isHttps(request: Request, config: Pick<ServerConfig, 'LUMENGRID_TRUST_PROXY'>): boolean {
  if (new URL(request.url).protocol === 'https:') return true;
  const forwarded = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  return config.LUMENGRID_TRUST_PROXY > 0 && forwarded === 'https';
}
