import {
  BaseError,
  ContractFunctionRevertedError,
  getAddress,
  type Hex,
  isAddress,
  verifyTypedData,
} from 'viem';
import { z } from 'zod';
import { lumengridEscrowAbi } from '../chain/artifacts/lumengrid-escrow';
import type { CoordinatorContext } from '../coordinator/context';
import { takeRateLimit } from '../coordinator/rate-limit';
import type { RelayedClaimView } from '../protocol/api-types';
import { ConflictError, InvalidRequestError, UnavailableError } from '../protocol/errors';
import { currentClaim } from './claims';
import { formatEther } from './pricing';
import { gasPrice, relayFeeOf } from './relay-offer';
import { MAX_RELAY_SIGNATURE_BYTES, relayedClaimTypedData } from './relayed-claim';

const Wei = z.string().regex(/^[0-9]{1,78}$/, 'a whole number of wei, in decimal digits');

/** POST /api/claims/:address/relay: the claim and fee the account signed, and its signature. */
export const RelayRequestSchema = z
  .object({
    cumulativeWei: Wei,
    feeWei: Wei,
    signature: z
      .string()
      .max(2 + 2 * MAX_RELAY_SIGNATURE_BYTES)
      .regex(/^0x([0-9a-fA-F]{2})+$/, 'hex bytes after 0x'),
  })
  .strict();

/**
 * Relays `rawAddress`'s claim (lib/settlement/relay-offer.ts says what is checked before the relayer spends gas).
 * Returns as soon as the transaction is sent; the page waits for its receipt.
 */
export async function relayClaim(
  ctx: CoordinatorContext,
  rawAddress: string,
  input: unknown,
): Promise<RelayedClaimView> {
  const payments = ctx.payments;
  const relay = payments?.relay;
  if (!payments || !relay) {
    throw new InvalidRequestError('This coordinator relays no claims', {
      metaMessages: ['Claim with your own wallet: it pays the gas.'],
    });
  }
  if (!isAddress(rawAddress, { strict: false })) {
    throw new InvalidRequestError(`${rawAddress.slice(0, 80)} is not an Ethereum address`);
  }
  const account = getAddress(rawAddress);
  const parsed = RelayRequestSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidRequestError('The relay request is invalid', {
      metaMessages: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
    });
  }
  const cumulativeAmount = BigInt(parsed.data.cumulativeWei);
  const fee = BigInt(parsed.data.feeWei);
  const signature = parsed.data.signature as Hex;
  const relayer = relay.wallet.account.address;
  const typedData = relayedClaimTypedData(payments.escrow.chainId, payments.escrow.address, {
    account,
    cumulativeAmount,
    relayer,
    fee,
  });
  // The signature first (local, no chain call): only the account itself can spend its rate-limit token.
  let signed = false;
  try {
    signed = await verifyTypedData({ address: account, signature, ...typedData });
  } catch {
    signed = false;
  }
  if (!signed) {
    throw new InvalidRequestError(
      'The signature is not this address’s RelayedClaim for this relayer and fee',
      {
        metaMessages: [
          'Sign the claim with the wallet of this address on the claims page (contract accounts: send the claim yourself).',
        ],
      },
    );
  }

  const claim = await currentClaim(ctx, payments, account);
  if (!claim) {
    throw new ConflictError('Nothing is claimable for this address now', {
      metaMessages: ['Relayed claims pay only what a final settlement holds and was not claimed yet.'],
    });
  }
  if (BigInt(claim.call.cumulativeWei) !== cumulativeAmount) {
    throw new ConflictError('The signed claim is not the current one (a newer settlement is final)', {
      metaMessages: ['Reload the claims page and sign again.'],
    });
  }
  // Only now, for the account's own signature of its current claim: replaying an old signature (it is in the
  // chain's calldata) cannot use up the account's relays.
  await takeRateLimit(ctx, 'relayPerAccount', account, 'relayed claims for this address');
  const expectedFee = relayFeeOf(claim.amount, relay.feeBps);
  if (fee !== expectedFee) {
    throw new ConflictError(`The signed fee is not this coordinator's fee (${formatEther(expectedFee)})`, {
      metaMessages: ['Reload the claims page and sign again.'],
    });
  }

  const contract = { address: payments.escrow.address, abi: lumengridEscrowAbi } as const;
  const args = [account, cumulativeAmount, claim.call.proof, fee, signature] as const;
  const client = payments.escrow.publicClient;
  const price = await gasPrice(payments);
  let gas: bigint;
  try {
    // Estimating runs the call: a claim the escrow would refuse is refused here, for free.
    gas = await client.estimateContractGas({
      ...contract,
      functionName: 'claimRelayed',
      args,
      account: relay.wallet.account,
    });
  } catch (cause) {
    const reverted =
      cause instanceof BaseError ? cause.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    const reason = reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
    if (reason) {
      throw new ConflictError(`The escrow would refuse this claim (${reason})`, {
        metaMessages: ['Reload the claims page: it shows what is claimable now.'],
      });
    }
    throw new UnavailableError('The relayer cannot send claims right now', {
      cause,
      metaMessages: ['Try again later, or claim with your own wallet.'],
    });
  }
  // A fifth more gas than estimated, as wallets allow; the fee must still cover it all at the quoted price.
  const gasLimit = (gas * 120n) / 100n;
  if (fee < gasLimit * price) {
    throw new ConflictError(
      `The fee (${formatEther(fee)}) does not pay the gas now (${formatEther(gasLimit * price)})`,
      {
        metaMessages: ['Claim with your own wallet, or wait until more is claimable.'],
      },
    );
  }
  let txHash: Hex;
  try {
    txHash = await relay.wallet.writeContract({
      ...contract,
      functionName: 'claimRelayed',
      args,
      gas: gasLimit,
      maxFeePerGas: price,
    });
  } catch (cause) {
    throw new UnavailableError('The relayer could not send the claim (it may be out of gas money)', {
      cause,
      metaMessages: ['Try again later, or claim with your own wallet.'],
    });
  }
  return { txHash, relayer, paidWei: (claim.amount - fee).toString(), feeWei: fee.toString() };
}
