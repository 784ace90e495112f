import { createEscrowClient } from '../chain/escrow-client';
import { type ServerConfig, serverConfig } from '../config/server-config';
import type { PaymentsContext } from '../coordinator/context';

/**
 * Payments from the configuration (lib/config/variables.ts, PAYMENTS). `npm start` sets all of it for its
 * local anvil chain; any other EVM chain works by setting the same variables. Off when LUMENGRID_RPC_URL is
 * unset; the configuration itself refuses a half-set chain (chain id, escrow address, coordinator key).
 */
export function paymentsFromConfig(config: ServerConfig = serverConfig()): PaymentsContext | null {
  const rpcUrl = config.LUMENGRID_RPC_URL;
  if (!rpcUrl) return null;
  const { LUMENGRID_CHAIN_ID: chainId, LUMENGRID_ESCROW_ADDRESS: address } = config;
  const coordinatorKey = config.LUMENGRID_COORDINATOR_KEY;
  // parseConfig guarantees these once the RPC URL is set.
  if (chainId === undefined || !address || !coordinatorKey) throw new Error('payments half configured');
  return {
    escrow: createEscrowClient({ rpcUrl, chainId, address, coordinatorKey }),
    priceWeiPerPixelSample: config.LUMENGRID_PRICE_WEI,
    publicRpcUrl: config.LUMENGRID_PUBLIC_RPC_URL || rpcUrl,
  };
}
