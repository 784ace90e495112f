import type { Chain } from 'viem';
import { createEscrowClient } from '../chain/escrow-client';
import { createRelayer } from '../chain/relayer-wallet';
import { type ServerConfig, serverConfig } from '../config/server-config';
import type { PaymentsContext } from '../coordinator/context';

/**
 * Payments from the configuration (lib/config/variables.ts, PAYMENTS). `npm start` sets all of it for its
 * local anvil chain; any other EVM chain works by setting the same variables. Off when LUMENGRID_RPC_URL is
 * unset; the configuration itself refuses a half-set chain (chain id, escrow address, coordinator key).
 * Relayed claims ("Claim without gas") are on when LUMENGRID_RELAYER_KEY is set: a key of its own, because
 * the coordinator's and the relayer's transactions would race for nonces.
 */
export function paymentsFromConfig(config: ServerConfig = serverConfig()): PaymentsContext | null {
  const rpcUrl = config.LUMENGRID_RPC_URL;
  if (!rpcUrl) return null;
  const { LUMENGRID_CHAIN_ID: chainId, LUMENGRID_ESCROW_ADDRESS: address } = config;
  const coordinatorKey = config.LUMENGRID_COORDINATOR_KEY;
  // parseConfig guarantees these once the RPC URL is set.
  if (chainId === undefined || !address || !coordinatorKey) throw new Error('payments half configured');
  const relayerKey = config.LUMENGRID_RELAYER_KEY;
  if (relayerKey && relayerKey.toLowerCase() === coordinatorKey.toLowerCase()) {
    throw new Error(
      'LUMENGRID_RELAYER_KEY must not be the coordinator key (their transactions would race for nonces): give the relayer a key of its own, or unset it to turn relayed claims off',
    );
  }
  const escrow = createEscrowClient({ rpcUrl, chainId, address, coordinatorKey });
  return {
    escrow,
    priceWeiPerPixelSample: config.LUMENGRID_PRICE_WEI,
    publicRpcUrl: config.LUMENGRID_PUBLIC_RPC_URL || rpcUrl,
    relay: relayerKey
      ? createRelayer({
          rpcUrl,
          chain: escrow.publicClient.chain as Chain,
          relayerKey,
          feeBps: config.LUMENGRID_RELAY_FEE_BPS,
        })
      : null,
  };
}
