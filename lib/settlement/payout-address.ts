import { type Address, getAddress, isAddress, isHex, verifyMessage } from 'viem';
import type { CoordinatorContext } from '../coordinator/context';
import { ConflictError, ForbiddenError, InvalidRequestError } from '../protocol/errors';
import { SessionIdSchema, SessionPublicKeySchema } from '../protocol/lease-request';
import { payoutSigningMessage } from '../protocol/session-signature';
import { pinSessionKey, verifySessionSignature } from '../verification/session-identity';
import { payoutBindingMessage } from './pricing';

/**
 * Binds a contributor session's credit to a payout address, proven at both ends: by the session's own key
 * (pinned on its first lease) over payoutSigningMessage, so that nobody who merely knows a session id can
 * claim its credit, and by the address's signature over `payoutBindingMessage` (EIP-191; smart-contract
 * wallets verify through ERC-1271 via viem), so that nobody pays to an address they do not hold. Once bound
 * it stays: a settlement may already have promised that session's credit to the address.
 */
export async function bindPayoutAddress(
  ctx: CoordinatorContext,
  sessionId: string,
  input: unknown,
): Promise<{ address: Address; alreadyBound: boolean }> {
  const payments = ctx.payments;
  if (!payments) {
    throw new InvalidRequestError('This coordinator takes no payments, so there is nothing to pay out', {
      metaMessages: ['Run a coordinator with a chain (npm start has one) to be paid for contributions.'],
    });
  }
  if (!SessionIdSchema.safeParse(sessionId).success) {
    throw new InvalidRequestError('The session id is not a contributor session id', {
      metaMessages: ['Open the contribute page: it makes one for this tab.'],
    });
  }
  const body = (input ?? {}) as {
    address?: unknown;
    signature?: unknown;
    sessionSignature?: unknown;
    sessionPublicKey?: unknown;
  };
  if (typeof body.address !== 'string' || !isAddress(body.address, { strict: false })) {
    throw new InvalidRequestError('address must be an Ethereum address (0x and 40 hex digits)');
  }
  if (typeof body.signature !== 'string' || !isHex(body.signature) || body.signature.length > 2 + 2 * 4096) {
    throw new InvalidRequestError('signature must be the hex signature of the payout message', {
      metaMessages: ['Sign the message your wallet shows on the contribute page.'],
    });
  }
  const address = getAddress(body.address);
  // The session's own key first: knowing a session id must not be enough to send its credit anywhere. A
  // session that never leased yet shows its key now (pinned on first sight, as a lease would).
  const key = SessionPublicKeySchema.safeParse(body.sessionPublicKey);
  if (key.success) await ctx.db.transaction((tx) => pinSessionKey(tx, sessionId, key.data, ctx.now()));
  await verifySessionSignature(
    ctx.db,
    {
      sessionId,
      message: payoutSigningMessage(sessionId, address, payments.escrow.chainId),
      signature: typeof body.sessionSignature === 'string' ? body.sessionSignature : null,
    },
    'payout binding',
  );
  const [blocked] = await ctx.db.query('SELECT 1 FROM blocked_payout_addresses WHERE address = $1', [
    address,
  ]);
  if (blocked) {
    throw new ForbiddenError(`${address} is blocked: work paid to it was proven fake`, {
      metaMessages: ['Credit is not paid to this address any more.'],
    });
  }
  const message = payoutBindingMessage(sessionId, address, payments.escrow.chainId);
  const signature = body.signature;
  // Plain ECDSA (EOA wallets) checks offline; only a signature that fails it asks the chain, which also
  // knows contract wallets (ERC-1271 / ERC-6492).
  const valid =
    (await verifyMessage({ address, message, signature }).catch(() => false)) ||
    (await payments.escrow.publicClient.verifyMessage({ address, message, signature }).catch(() => false));
  if (!valid) {
    throw new InvalidRequestError(`The signature is not ${address}'s signature of the payout message`, {
      metaMessages: ['Sign again with the wallet that holds this address.'],
    });
  }
  // One statement decides races between two requests for the same session: the first binding stays.
  const inserted = await ctx.db.query(
    `INSERT INTO payout_addresses (session_id, address, signature, bound_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (session_id) DO NOTHING RETURNING session_id`,
    [sessionId, address, signature, ctx.now()],
  );
  if (inserted.length > 0) return { address, alreadyBound: false };
  const [bound] = await ctx.db.query<{ address: Address }>(
    'SELECT address FROM payout_addresses WHERE session_id = $1',
    [sessionId],
  );
  if (bound?.address === address) return { address, alreadyBound: true };
  throw new ConflictError(`This session already pays out to ${bound?.address}`, {
    metaMessages: [
      'A session keeps its payout address. Open a new contribute tab to contribute to another one.',
    ],
  });
}
