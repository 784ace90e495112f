import { type Chain, defineChain } from 'viem';
import * as viemChains from 'viem/chains';

/**
 * Names and block explorers of chains, from viem's chain list (`viem/chains`), so that the pages say "Base
 * Sepolia" and link a transaction to Basescan instead of "Chain 84532". Server side only: the list is ~750
 * chains, so the browser gets the one it needs through GET /api/chain (`chainName`, `explorer`), and builds
 * links with lib/wallet/explorer.ts.
 *
 * Local development chains (anvil's and hardhat's 31337, 1337) have no explorer and are called "Local chain".
 * A few ids are shared by several entries of the list; the first with an explorer wins.
 */

export interface BlockExplorer {
  name: string;
  /** The explorer's root, without a trailing slash; `/tx/<hash>` and `/address/<address>` live under it. */
  url: string;
}

export interface ChainNaming {
  name: string;
  explorer: BlockExplorer | null;
  /** A development chain on this machine (no explorer, free ether). */
  local: boolean;
}

export const LOCAL_CHAIN_IDS: ReadonlySet<number> = new Set([31337, 1337]);

let byId: Map<number, Chain> | null = null;

/** viem's chain with this id, or undefined where viem does not know it (or it is a local one). */
export function knownChain(chainId: number): Chain | undefined {
  if (LOCAL_CHAIN_IDS.has(chainId)) return undefined;
  if (!byId) {
    byId = new Map();
    for (const chain of Object.values(viemChains) as Chain[]) {
      if (typeof chain?.id !== 'number') continue;
      const seen = byId.get(chain.id);
      if (!seen || (!seen.blockExplorers && chain.blockExplorers)) byId.set(chain.id, chain);
    }
  }
  return byId.get(chainId);
}

/** What to call chain `chainId` and where to look its transactions up. */
export function chainNaming(chainId: number): ChainNaming {
  if (LOCAL_CHAIN_IDS.has(chainId)) {
    return { name: chainId === 31337 ? 'Local chain (anvil)' : 'Local chain', explorer: null, local: true };
  }
  const chain = knownChain(chainId);
  const explorer = chain?.blockExplorers?.default;
  return {
    name: chain?.name ?? `Chain ${chainId}`,
    explorer: explorer ? { name: explorer.name, url: explorer.url.replace(/\/+$/, '') } : null,
    local: false,
  };
}

/**
 * The chain the coordinator and the operator tools talk to, through `rpcUrl`: viem's own description where
 * it knows the chain (its formatters and fees matter on some L2s), else a plain EVM chain in ether.
 */
export function chainFor(chainId: number, rpcUrl: string): Chain {
  const known = knownChain(chainId);
  const rpcUrls = { default: { http: [rpcUrl] } };
  if (known) return { ...known, rpcUrls };
  return defineChain({
    id: chainId,
    name: chainNaming(chainId).name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls,
  });
}
