import { timingSafeEqual } from 'node:crypto';
import { serverConfig } from '../config/server-config';
import type { CoordinatorContext } from '../coordinator/context';
import { VERIFIER_TOKEN_HEADER } from '../protocol/api-types';
import { InvalidRequestError, UnauthenticatedError } from '../protocol/errors';
import { LeaseRequestSchema } from '../protocol/lease-request';
import { pinSessionKey } from './session-identity';
import { markTrustedVerifier } from './trusted-verifier';

/**
 * The operator's token that makes a leasing session a trusted verifier (lib/verification/trusted-verifier.ts):
 * a lease request carrying it in VERIFIER_TOKEN_HEADER marks its session trusted. `npm start` generates one
 * per data folder and hands it to the server (LUMENGRID_VERIFIER_TOKEN) and to its headless provider only.
 */

/** True when `given` is the configured token; compared in constant time (the length is not secret). */
export function verifierTokenMatches(given: string, configured: string | undefined): boolean {
  if (!configured) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(configured, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Before a lease: when the request carries a verifier token (`token`, the header's value or null), checks it
 * against the configured one and marks the session trusted. Without the header nothing happens (false). A
 * wrong token, or any token when none is configured, is a 401: a verifier that thinks it is trusted but is
 * not must hear so, not quietly render as an ordinary contributor.
 *
 * The session's key is pinned first (and must be sent): the trusted flag then belongs to whoever holds the
 * token bearer's key, never to a session id someone else could lease under and pin to a key of their own.
 */
export async function admitTrustedVerifier(
  ctx: CoordinatorContext,
  token: string | null,
  body: unknown,
  configured: string | undefined = serverConfig().LUMENGRID_VERIFIER_TOKEN,
): Promise<boolean> {
  if (token === null) return false;
  if (!configured) {
    throw new UnauthenticatedError('This coordinator has no trusted verifier token configured', {
      metaMessages: [
        `Lease without the ${VERIFIER_TOKEN_HEADER} header, or set LUMENGRID_VERIFIER_TOKEN on the server.`,
      ],
    });
  }
  if (!verifierTokenMatches(token, configured)) {
    throw new UnauthenticatedError('The trusted verifier token is wrong', {
      metaMessages: [
        'Pass the token the server was started with (npm start keeps it in .lumengrid/chain/verifier-token).',
      ],
    });
  }
  const parsed = LeaseRequestSchema.safeParse(body);
  if (!parsed.success || !parsed.data.publicKey) {
    throw new InvalidRequestError('A trusted verifier’s lease request needs its session id and public key', {
      metaMessages: ['Send { sessionId, publicKey } as the provider (scripts/provider.ts) does.'],
    });
  }
  const { sessionId, publicKey } = parsed.data;
  const now = ctx.now();
  await pinSessionKey(ctx.db, sessionId, publicKey, now);
  await markTrustedVerifier(ctx.db, sessionId, now);
  return true;
}
