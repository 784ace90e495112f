import { getAddress, isAddress, parseEther, toHex } from 'viem';
import { serverConfig } from '../config/server-config';
import type { CoordinatorContext } from '../coordinator/context';
import { InvalidRequestError } from '../protocol/errors';

/** Test ether a newcomer's wallet gets on the local chain, so a first deposit needs no setup. */
export const FAUCET_AMOUNT_WEI = parseEther('10');

/**
 * POST /api/chain/faucet: on `npm start`'s local anvil chain only (LUMENGRID_LOCAL_FAUCET=1, chain 31337),
 * tops an address up to 10 test ETH. Refused anywhere else: real ether is never given away.
 */
export async function localFaucet(
  ctx: CoordinatorContext,
  input: unknown,
  enabled = serverConfig().LUMENGRID_LOCAL_FAUCET === '1',
) {
  const payments = ctx.payments;
  if (!payments || !enabled || payments.escrow.chainId !== 31337) {
    throw new InvalidRequestError('There is no faucet on this chain', {
      metaMessages: [
        'Fund your wallet from the chain you are on; the faucet exists only on the local chain of npm start.',
      ],
    });
  }
  const raw = (input as { address?: unknown } | null)?.address;
  if (typeof raw !== 'string' || !isAddress(raw, { strict: false })) {
    throw new InvalidRequestError('address must be an Ethereum address (0x and 40 hex digits)');
  }
  const address = getAddress(raw);
  const client = payments.escrow.publicClient;
  const balance = await client.getBalance({ address });
  if (balance < FAUCET_AMOUNT_WEI) {
    await client.request({
      method: 'anvil_setBalance',
      params: [address, toHex(FAUCET_AMOUNT_WEI)],
    } as never);
  }
  return { address, balanceWei: (balance < FAUCET_AMOUNT_WEI ? FAUCET_AMOUNT_WEI : balance).toString() };
}
