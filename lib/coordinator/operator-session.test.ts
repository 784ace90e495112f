import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestContext } from '../testing/test-context';
import { withErrors } from './http';
import {
  OPERATOR_COOKIE,
  OPERATOR_SESSION_MS,
  operatorAccess,
  operatorSessionResponse,
  operatorSessionValid,
} from './operator-session';
import { RATE_LIMITS, SqlRateLimits } from './rate-limit';

// lib/coordinator/http.ts is server-only; here it runs in Node as the route would.
vi.mock('server-only', () => ({}));

let t: Awaited<ReturnType<typeof createTestContext>>;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

const TOKEN = 'operator-token-0123456789abcdef';
const config = (token: string | undefined = TOKEN, trustProxy = 0) => ({
  LUMENGRID_OPERATOR_TOKEN: token,
  LUMENGRID_TRUST_PROXY: trustProxy,
  LUMENGRID_PEER_HEADER: '1' as const,
});
/** A fresh network origin per test: rate-limit buckets are per origin. */
const someOrigin = () => `10.${randomBytes(3).join('.')}`;

function signIn(
  body: string,
  options: { peer?: string; url?: string; headers?: Record<string, string> } = {},
) {
  return new Request(options.url ?? 'http://127.0.0.1:3000/operator/session', {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-lumengrid-peer': options.peer ?? someOrigin(),
      'sec-fetch-site': 'same-origin',
      ...options.headers,
    },
  });
}
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const cookieOf = (response: Response) => response.headers.get('set-cookie');
const sessionValueOf = (setCookie: string | null) =>
  new RegExp(`^${OPERATOR_COOKIE}=([^;]*)`).exec(setCookie ?? '')?.[1];

describe('the operator page without a token configured', () => {
  it('is off, and no sign-in succeeds', async () => {
    expect(operatorAccess(undefined, t.clock.now, undefined)).toBe('off');
    // Not even with a cookie made for some token.
    const response = await operatorSessionResponse(signIn(form({ token: TOKEN })), t.ctx, {
      ...config(),
      LUMENGRID_OPERATOR_TOKEN: undefined,
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/operator?signin=off');
    expect(cookieOf(response)).toBeNull();
  });
});

describe('operator sign-in', () => {
  it('shows nothing without the cookie, or with one that is forged, tampered, expired or for another token', async () => {
    const now = t.clock.now;
    expect(operatorAccess(undefined, now, TOKEN)).toBe('signed-out');
    expect(operatorAccess(TOKEN, now, TOKEN)).toBe('signed-out');
    const good = sessionValueOf(
      cookieOf(await operatorSessionResponse(signIn(form({ token: TOKEN })), t.ctx, config())),
    );
    expect(operatorAccess(good, now, TOKEN)).toBe('signed-in');
    const [expiry, mac] = (good as string).split('.') as [string, string];
    // A later expiry (the operator's session stretched by hand) breaks the HMAC.
    expect(operatorSessionValid(`${Number(expiry) + 1}.${mac}`, TOKEN, now)).toBe(false);
    expect(
      operatorSessionValid(`${expiry}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, TOKEN, now),
    ).toBe(false);
    expect(operatorSessionValid(good, TOKEN, now + OPERATOR_SESSION_MS + 1)).toBe(false);
    expect(operatorSessionValid(good, 'another-token-0123456789', now)).toBe(false);
  });

  it('sets an httpOnly, SameSite=Strict cookie on the page’s path that does not hold the token', async () => {
    const response = await operatorSessionResponse(signIn(form({ token: ` ${TOKEN}\n` })), t.ctx, config());
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/operator');
    const setCookie = cookieOf(response) as string;
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\/operator/);
    expect(setCookie).toMatch(new RegExp(`Max-Age=${OPERATOR_SESSION_MS / 1000}`));
    // Plain http (npm start on a laptop): a Secure cookie would never come back.
    expect(setCookie).not.toMatch(/Secure/);
    expect(setCookie).not.toContain(TOKEN);
    expect(setCookie).not.toContain(Buffer.from(TOKEN).toString('base64url'));
    expect(setCookie).not.toContain(encodeURIComponent(TOKEN));
  });

  it('marks the cookie Secure over https, directly or behind a trusted proxy', async () => {
    const direct = await operatorSessionResponse(
      signIn(form({ token: TOKEN }), { url: 'https://farm.example/operator/session' }),
      t.ctx,
      config(),
    );
    expect(cookieOf(direct)).toMatch(/; Secure/);
    const proxied = signIn(form({ token: TOKEN }), {
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': someOrigin() },
    });
    expect(cookieOf(await operatorSessionResponse(proxied, t.ctx, config(TOKEN, 1)))).toMatch(/; Secure/);
  });

  it('refuses a wrong token without a cookie, and then every attempt from that origin, the right one too', async () => {
    const peer = someOrigin();
    const { burst } = RATE_LIMITS.operatorSignInPerOrigin;
    for (let i = 0; i < burst; i++) {
      const wrong = await operatorSessionResponse(
        signIn(form({ token: `guess-${i}-0123456789abcdef` }), { peer }),
        t.ctx,
        config(),
      );
      expect(wrong.headers.get('location')).toBe('/operator?signin=wrong');
      expect(cookieOf(wrong)).toBeNull();
    }
    const limited = await operatorSessionResponse(signIn(form({ token: TOKEN }), { peer }), t.ctx, config());
    expect(limited.headers.get('location')).toBe('/operator?signin=limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(cookieOf(limited)).toBeNull();
    // Another origin is not held back by the guesser.
    const other = await operatorSessionResponse(signIn(form({ token: TOKEN })), t.ctx, config());
    expect(sessionValueOf(cookieOf(other))).toBeTruthy();
  });

  it('limits guesses spread over instances sharing the database as one (the PostgreSQL buckets)', async () => {
    const peer = someOrigin();
    const second = await t.reopen().catch(() => null);
    const instances = [
      { ...t.ctx, rateLimits: new SqlRateLimits(t.ctx.db) },
      { ...t.ctx, rateLimits: new SqlRateLimits(second ?? t.ctx.db) },
    ];
    const answers: string[] = [];
    for (let i = 0; i < 8; i++) {
      const response = await operatorSessionResponse(
        signIn(form({ token: `guess-${i}-0123456789abcdef` }), { peer }),
        instances[i % 2] as (typeof instances)[number],
        config(),
      );
      answers.push(response.headers.get('location') ?? '');
    }
    await second?.close();
    expect(answers.filter((a) => a.endsWith('=wrong'))).toHaveLength(
      RATE_LIMITS.operatorSignInPerOrigin.burst,
    );
    expect(answers.filter((a) => a.endsWith('=limited'))).toHaveLength(
      8 - RATE_LIMITS.operatorSignInPerOrigin.burst,
    );
  });

  it('signs nobody in from another site’s form, and refuses an oversized body', async () => {
    const cross = await operatorSessionResponse(
      signIn(form({ token: TOKEN }), { headers: { 'sec-fetch-site': 'cross-site' } }),
      t.ctx,
      config(),
    );
    expect(cross.headers.get('location')).toBe('/operator?signin=cross-site');
    expect(cookieOf(cross)).toBeNull();
    const handler = withErrors((request: Request) => operatorSessionResponse(request, t.ctx, config()));
    const huge = await handler(signIn(form({ token: 'x'.repeat(10_000) })));
    expect(huge.status).toBe(413);
  });

  it('signs out by clearing the cookie', async () => {
    const response = await operatorSessionResponse(signIn(form({ signOut: '1' })), t.ctx, config());
    expect(response.headers.get('location')).toBe('/operator');
    expect(cookieOf(response)).toMatch(new RegExp(`^${OPERATOR_COOKIE}=; Path=/operator; Max-Age=0`));
  });
});
