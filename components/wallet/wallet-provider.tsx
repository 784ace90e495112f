'use client';

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { type Config, Hydrate, WagmiProvider } from 'wagmi';
import { getChainInfo } from '../../lib/client/api';
import { createInertConfig, createWalletConfig, type EnabledChainInfo } from '../../lib/wallet/config';

export type WalletChain =
  | { status: 'loading' }
  /** Payments are off on this coordinator, or /api/chain could not be read: everything stays unpaid. */
  | { status: 'disabled'; reason: string }
  | { status: 'ready'; info: EnabledChainInfo };

const WalletChainContext = createContext<WalletChain>({ status: 'loading' });

/** Where the escrow lives and whether payments are on; 'ready' means wallet hooks talk to that chain. */
export function useWalletChain(): WalletChain {
  return useContext(WalletChainContext);
}

/** The escrow chain's details, or null while loading or when payments are off. */
export function useEscrowChain(): EnabledChainInfo | null {
  const chain = useWalletChain();
  return chain.status === 'ready' ? chain.info : null;
}

/**
 * Wallets for the whole app. The chain is known only from GET /api/chain, so the real wagmi config is made
 * once that answers. Until then (and for good when payments are off) an inert config stands in: wallet
 * hooks work anywhere and report "disconnected", and the provider's children — the page — render at once
 * and keep their state when the real config arrives (the tree above them never changes shape).
 */
export function WalletProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient());
  const [inert] = useState(createInertConfig);
  const [state, setState] = useState<{ chain: WalletChain; config: Config | null }>({
    chain: { status: 'loading' },
    config: null,
  });

  useEffect(() => {
    const controller = new AbortController();
    getChainInfo({ signal: controller.signal }).then(
      (info) => {
        if (info.enabled) setState({ chain: { status: 'ready', info }, config: createWalletConfig(info) });
        else setState({ chain: { status: 'disabled', reason: info.reason }, config: null });
      },
      (cause: unknown) => {
        if (controller.signal.aborted) return;
        const detail = cause instanceof Error ? cause.message : String(cause);
        setState({
          chain: { status: 'disabled', reason: `Could not read the coordinator’s chain settings: ${detail}` },
          config: null,
        });
      },
    );
    return () => controller.abort();
  }, []);

  return (
    <QueryClientProvider client={queryClient}>
      {/* The inert config has no storage and no wallets: nothing to reconnect on mount. */}
      <WagmiProvider config={state.config ?? inert} reconnectOnMount={false}>
        {/* Restores the last connection (localStorage), discovers EIP-6963 wallets and reconnects, once. */}
        {state.config ? <Hydrate config={state.config}>{null}</Hydrate> : null}
        <WalletChainContext value={state.chain}>{children}</WalletChainContext>
      </WagmiProvider>
    </QueryClientProvider>
  );
}
