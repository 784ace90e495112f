import type { PaymentsContext } from '../coordinator/context';
import type { ClaimsView } from '../protocol/api-types';
import { UnavailableError } from '../protocol/errors';
import { formatEther } from './pricing';

/**
 * Claims relayed for contributors who have no ETH for gas (POST /api/claims/:address/relay). The
 * contributor's wallet signs, for free, an EIP-712 RelayedClaim naming this relayer and its fee; the relayer
 * sends `claimRelayed`, and the escrow pays the contributor the claim minus the fee and the relayer the fee
 * (after recording the claim). The fee is the operator's share of the claim (LUMENGRID_RELAY_FEE_BPS).
 *
 * The endpoint is public and spends the relayer's gas, so nothing is sent unless: the origin and the account
 * are within their rate limits (shared by every instance); the signature is the account's own (checked here
 * before anything else is spent on it); the account has something claimable now and signed exactly that
 * claim and this coordinator's fee; and the fee covers the gas the chain says the transaction takes at the
 * current price (estimating it also simulates it, so a claim the escrow would refuse costs nothing).
 * The relayer's wallet is lib/chain/relayer-wallet.ts.
 */

/** A relayed claim's gas bound before it is signed (measured ~96,000, ~121,000 to a fresh account). */
export const RELAYED_CLAIM_GAS_BOUND = 150_000n;
/** The price a quote assumes is this much above the chain's current estimate, so a quote stays good a while. */
const PRICE_MARGIN_PERCENT = 150n;

export const relayFeeOf = (amount: bigint, feeBps: number) => (amount * BigInt(feeBps)) / 10_000n;

/** The gas price a relayed transaction is quoted and sent at: the chain's estimate with a margin. */
export async function gasPrice(payments: PaymentsContext): Promise<bigint> {
  const client = payments.escrow.publicClient;
  try {
    const fees = await client.estimateFeesPerGas();
    return ((fees.maxFeePerGas ?? fees.gasPrice ?? 0n) * PRICE_MARGIN_PERCENT) / 100n;
  } catch (cause) {
    throw new UnavailableError('The chain is not answering, so relayed claims are off right now', {
      cause,
      metaMessages: ['Try again in a minute, or claim with your own wallet.'],
    });
  }
}

/** The claims page's "Claim without gas (fee X)" offer for `claimable` wei, or why there is none. */
export async function relayOffer(
  payments: PaymentsContext,
  claimable: bigint,
): Promise<NonNullable<ClaimsView['relay']>> {
  const relay = payments.relay;
  if (!relay) throw new Error('relayOffer without a relayer');
  const feeBps = relay.feeBps;
  if (claimable === 0n) return { available: false, reason: 'Nothing is claimable yet.', feeBps };
  const fee = relayFeeOf(claimable, feeBps);
  const gasCost = RELAYED_CLAIM_GAS_BOUND * (await gasPrice(payments));
  if (fee < gasCost) {
    const enough = (gasCost * 10_000n + BigInt(feeBps) - 1n) / BigInt(feeBps);
    return {
      available: false,
      reason: `${formatEther(claimable)} is too little to relay: the ${feeBps / 100}% fee would not pay the gas (about ${formatEther(gasCost)}). Claim it with your own wallet, or wait until ${formatEther(enough)} is claimable.`,
      feeBps,
    };
  }
  return { available: true, relayer: relay.wallet.account.address, feeWei: fee.toString(), feeBps };
}
