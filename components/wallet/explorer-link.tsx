'use client';

import { shortAddress } from '../../lib/wallet/address';
import { type ExplorerTarget, explorerUrl } from '../../lib/wallet/explorer';
import { useEscrowChain } from './wallet-provider';

/**
 * A transaction hash or an address on the escrow's chain, shortened, linked to the chain's block explorer
 * when it has one (viem's chain list, through GET /api/chain); on a local chain it is plain text that says
 * so in its title. `children` replaces the shortened value as the text.
 */
export function ExplorerLink({
  target,
  value,
  children,
  testId,
}: {
  target: ExplorerTarget;
  value: string;
  children?: React.ReactNode;
  testId?: string;
}) {
  const info = useEscrowChain();
  const url = info ? explorerUrl(info.explorer, target, value) : null;
  const text = children ?? shortAddress(value);
  const where = info ? ` on ${info.chainName}` : '';
  if (!url) {
    return (
      <span className="mono" title={`${value}${where}`} data-testid={testId}>
        {text}
      </span>
    );
  }
  return (
    <a
      className="mono"
      href={url}
      target="_blank"
      rel="noopener noreferrer"
      title={`${value}${where}: open in ${info?.explorer?.name ?? 'the block explorer'}`}
      data-testid={testId}
    >
      {text}
    </a>
  );
}
