import { type Chain, type Hex, isAddress, isHex } from 'viem';
import { createEscrowClient } from '../chain/escrow-client';
import type { PaymentsContext } from '../coordinator/context';
import { DEFAULT_PRICE_WEI_PER_PIXEL_SAMPLE } from './pricing';
import { createRelayer, DEFAULT_RELAY_FEE_BPS } from './relay-offer';

/**
 * Payments configuration from the environment. `npm start` sets all of it for its local anvil chain; any
 * other EVM chain works by setting the same variables:
 *   LUMENGRID_RPC_URL            JSON-RPC the coordinator uses (payments are off when unset)
 *   LUMENGRID_CHAIN_ID           the chain's id
 *   LUMENGRID_ESCROW_ADDRESS     the deployed LumengridEscrow
 *   LUMENGRID_COORDINATOR_KEY    private key of the escrow's COORDINATOR_ROLE (never commit it); it holds no other role:
 *                                the escrow's admin is LUMENGRID_ADMIN_ADDRESS at deployment (scripts/escrow.ts)
 *   LUMENGRID_PUBLIC_RPC_URL     JSON-RPC for browsers (default: LUMENGRID_RPC_URL)
 *   LUMENGRID_PRICE_WEI          price of one verified pixel-sample for new jobs (default 1 gwei)
 *   LUMENGRID_SETTLE_INTERVAL_MS how often settlements are built and posted (default 30000)
 *   LUMENGRID_RELAYER_KEY        private key that sends claims for contributors without ETH ("Claim without
 *                                gas") and pays their gas; relaying is off when unset. Not the coordinator's key
 *                                (the two would race for nonces); keep it funded with a little ETH.
 *   LUMENGRID_RELAY_FEE_BPS      the relayer's share of a relayed claim, in basis points (default 100 = 1%,
 *                                at most 5000); claims whose share would not pay the gas are not relayed
 */
export function paymentsFromEnv(env: NodeJS.ProcessEnv = process.env): PaymentsContext | null {
  const rpcUrl = env.LUMENGRID_RPC_URL;
  if (!rpcUrl) return null;
  const problems: string[] = [];
  const chainId = Number(env.LUMENGRID_CHAIN_ID);
  if (!Number.isSafeInteger(chainId) || chainId <= 0)
    problems.push('LUMENGRID_CHAIN_ID must be the chain id');
  const address = env.LUMENGRID_ESCROW_ADDRESS ?? '';
  if (!isAddress(address, { strict: false }))
    problems.push('LUMENGRID_ESCROW_ADDRESS must be the escrow address');
  const key = env.LUMENGRID_COORDINATOR_KEY ?? '';
  if (!isHex(key) || key.length !== 66)
    problems.push('LUMENGRID_COORDINATOR_KEY must be a 32-byte hex private key');
  const price = env.LUMENGRID_PRICE_WEI ?? DEFAULT_PRICE_WEI_PER_PIXEL_SAMPLE.toString();
  if (!/^[0-9]{1,30}$/.test(price) || BigInt(price) === 0n)
    problems.push('LUMENGRID_PRICE_WEI must be a positive integer');
  const relayerKey = env.LUMENGRID_RELAYER_KEY || '';
  if (relayerKey && (!isHex(relayerKey) || relayerKey.length !== 66))
    problems.push('LUMENGRID_RELAYER_KEY must be a 32-byte hex private key (or unset: no relayed claims)');
  if (relayerKey && relayerKey.toLowerCase() === key.toLowerCase())
    problems.push(
      'LUMENGRID_RELAYER_KEY must not be the coordinator key (their transactions would race for nonces)',
    );
  const feeBps = env.LUMENGRID_RELAY_FEE_BPS || String(DEFAULT_RELAY_FEE_BPS);
  if (!/^[0-9]{1,4}$/.test(feeBps) || Number(feeBps) < 1 || Number(feeBps) > 5000)
    problems.push('LUMENGRID_RELAY_FEE_BPS must be a whole number of basis points from 1 to 5000 (100 = 1%)');
  if (problems.length > 0) {
    throw new Error(`Payments are misconfigured (LUMENGRID_RPC_URL is set): ${problems.join('; ')}`);
  }
  const escrow = createEscrowClient({ rpcUrl, chainId, address: address as Hex, coordinatorKey: key as Hex });
  return {
    escrow,
    priceWeiPerPixelSample: BigInt(price),
    publicRpcUrl: env.LUMENGRID_PUBLIC_RPC_URL || rpcUrl,
    relay: relayerKey
      ? createRelayer({
          rpcUrl,
          chain: escrow.publicClient.chain as Chain,
          relayerKey: relayerKey as Hex,
          feeBps: Number(feeBps),
        })
      : null,
  };
}

export function settleIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.LUMENGRID_SETTLE_INTERVAL_MS);
  return Number.isFinite(value) && value >= 200 ? value : 30_000;
}
