import { isHex } from 'viem';
import type { ChainInfo } from '../protocol/api-types';

/**
 * Block-explorer links for transactions and addresses, from the explorer GET /api/chain names (viem's chain
 * list, lib/chain/known-chains.ts). Null where the chain has none (a local chain) or the value is not hex.
 */
export type ExplorerTarget = 'tx' | 'address';

export type ChainExplorer = Extract<ChainInfo, { enabled: true }>['explorer'];

export function explorerUrl(explorer: ChainExplorer, target: ExplorerTarget, value: string): string | null {
  if (!explorer || !isHex(value, { strict: true })) return null;
  const length = target === 'tx' ? 66 : 42;
  if (value.length !== length) return null;
  return `${explorer.url}/${target}/${value}`;
}
