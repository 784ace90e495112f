import { type Chain, defineChain } from 'viem';
import { type Config, type CreateConnectorFn, createConfig, custom, http, injected } from 'wagmi';
import { walletConnect } from 'wagmi/connectors';
import type { ChainInfo } from '../protocol/api-types';
import { WALLETCONNECT_PROJECT_ID } from './walletconnect';

/**
 * Wallet configuration for the chain the coordinator's escrow lives on. The chain is known only at run time
 * (`npm start` deploys the escrow on a fresh local chain), so the config is built in the browser from
 * GET /api/chain rather than at module level.
 */

export type EnabledChainInfo = Extract<ChainInfo, { enabled: true }>;

/** The escrow's chain as viem describes it; wallets that do not know it are offered it with this RPC. */
export function escrowChain(info: EnabledChainInfo): Chain {
  return defineChain({
    id: info.chainId,
    name: info.chainName,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [info.rpcUrl] } },
    // A wallet that adds the chain (wallet_addEthereumChain) learns its explorer too.
    blockExplorers: info.explorer ? { default: info.explorer } : undefined,
    // Only the local chain of npm start has a faucet: a chain with free ether is a test chain.
    testnet: info.faucet || info.chainId === 31337,
  });
}

/**
 * The WalletConnect connector for a build with a project id (lib/wallet/walletconnect.ts). The connector
 * itself is small; the WalletConnect provider and its QR modal (several hundred kB) are a chunk of their own
 * that it imports on first use, so pages without a project id never load them.
 */
function walletConnectConnector(projectId: string): CreateConnectorFn {
  const origin = typeof window === 'undefined' ? 'https://lumengrid.invalid' : window.location.origin;
  return walletConnect({
    projectId,
    showQrModal: true,
    metadata: {
      name: 'Lumengrid',
      description: 'A volunteer render farm in a web page: pay for renders, get paid for your GPU’s work.',
      url: origin,
      icons: [`${origin}/icon.svg`],
    },
  });
}

/**
 * One chain, the generic injected wallet (window.ethereum), by wagmi's default every wallet that announces
 * itself through EIP-6963, and WalletConnect for phone wallets where the build has a project id (pass
 * `walletConnectProjectId: null` to leave it out). `ssr: true` leaves reading the last connection from
 * localStorage to the first mount, so a server render and the first client render agree.
 */
export function createWalletConfig(
  info: EnabledChainInfo,
  options: { walletConnectProjectId?: string | null } = {},
): Config {
  const chain = escrowChain(info);
  const projectId =
    options.walletConnectProjectId === undefined ? WALLETCONNECT_PROJECT_ID : options.walletConnectProjectId;
  return createConfig({
    chains: [chain],
    connectors: [injected(), ...(projectId ? [walletConnectConnector(projectId)] : [])],
    multiInjectedProviderDiscovery: true,
    transports: { [chain.id]: http(info.rpcUrl) },
    ssr: true,
  });
}

/** Chain id of the inert config: none a wallet would be on (2^53 − 1 is beyond every registered chain). */
export const INERT_CHAIN_ID = Number.MAX_SAFE_INTEGER;

/**
 * A config with no wallets and no network, for while GET /api/chain has not answered or payments are off:
 * wallet hooks can then be called anywhere, report "disconnected", and never throw for a missing provider.
 */
export function createInertConfig(): Config {
  const chain = defineChain({
    id: INERT_CHAIN_ID,
    name: 'No chain',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [] } },
  });
  return createConfig({
    chains: [chain],
    connectors: [],
    multiInjectedProviderDiscovery: false,
    storage: null,
    transports: {
      [chain.id]: custom({
        request: async () => {
          throw new Error('Payments are not set up on this page');
        },
      }),
    },
  });
}
