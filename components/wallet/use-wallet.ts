'use client';

import type { Address } from 'viem';
import { useBalance, useConnection } from 'wagmi';
import type { EnabledChainInfo } from '../../lib/wallet/config';
import { useEscrowChain } from './wallet-provider';

export interface Wallet {
  /** The escrow's chain; null while loading or when payments are off (then nothing below is ever set). */
  info: EnabledChainInfo | null;
  address: Address | undefined;
  connected: boolean;
  /** Connected, but to another chain than the escrow's: offer "Switch to <chain>". */
  wrongChain: boolean;
  /** Connected on the escrow's chain: transactions can be sent. */
  ready: boolean;
  connectorName: string | undefined;
}

/** The connected wallet as the payment screens need it. */
export function useWallet(): Wallet {
  const info = useEscrowChain();
  const connection = useConnection();
  const connected = info !== null && connection.status === 'connected';
  const wrongChain = connected && connection.chainId !== info.chainId;
  return {
    info,
    address: connected ? connection.address : undefined,
    connected,
    wrongChain,
    ready: connected && !wrongChain,
    connectorName: connection.connector?.name,
  };
}

/**
 * The connected account's ether on the escrow's chain (read through the chain's RPC, whatever network the
 * wallet is on), refreshed every 15 s; `wei` is undefined until known.
 */
export function useWalletBalance(): { wei: bigint | undefined; refetch: () => Promise<unknown> } {
  const { info, address } = useWallet();
  const balance = useBalance({
    address,
    chainId: info?.chainId,
    query: { enabled: info !== null && address !== undefined, refetchInterval: 15_000 },
  });
  return { wei: balance.data?.value, refetch: balance.refetch };
}
