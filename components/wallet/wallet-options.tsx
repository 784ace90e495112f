'use client';

import { useState } from 'react';
import { type Connector, useConnect, useConnectors } from 'wagmi';
import { describeWalletError, type WalletProblem } from '../../lib/wallet/errors';
import { WalletProblemNotice } from './wallet-problem';
import { useEscrowChain } from './wallet-provider';

/**
 * The wallets this browser offers: every one that announced itself (EIP-6963) by its own name and icon.
 * The generic window.ethereum connector is offered only when nothing announced itself, because it is then
 * the only way in, and otherwise it is almost always one of the announced wallets a second time.
 * WalletConnect (phone wallets, where the build has a project id: lib/wallet/walletconnect.ts) comes last.
 */
export function useWalletOptions(): Connector[] {
  const connectors = useConnectors();
  const phone = connectors.filter((c) => c.type === 'walletConnect');
  const announced = connectors.filter((c) => c.id !== 'injected' && c.type !== 'walletConnect');
  if (announced.length > 0) return [...announced, ...phone];
  const hasInjected =
    typeof window !== 'undefined' && (window as { ethereum?: unknown }).ethereum !== undefined;
  return [...connectors.filter((c) => c.id === 'injected' && hasInjected), ...phone];
}

const nameOf = (connector: Connector) =>
  connector.id === 'injected'
    ? 'Browser wallet'
    : connector.type === 'walletConnect'
      ? 'WalletConnect (phone wallet)'
      : connector.name;

/** One button per wallet; pressing one asks that wallet to connect. */
export function WalletOptions({ onConnected }: { onConnected?: () => void }) {
  const options = useWalletOptions();
  const info = useEscrowChain();
  const connect = useConnect();
  const [pending, setPending] = useState<string | null>(null);
  const [problem, setProblem] = useState<WalletProblem | null>(null);

  if (options.length === 0) {
    return (
      <div className="notice" data-testid="no-wallet">
        <p className="notice__title">No wallet found in this browser.</p>
        <p>
          Install a browser wallet (an extension such as MetaMask, Rabby or Frame) and reload this page. You
          can still render unpaid jobs and contribute without one.
        </p>
      </div>
    );
  }

  async function choose(connector: Connector) {
    setPending(connector.uid);
    setProblem(null);
    try {
      // No chainId here: a declined network switch would undo the connection; "Switch to" is offered after.
      await connect.mutateAsync({ connector });
      onConnected?.();
    } catch (cause) {
      setProblem(
        describeWalletError(cause, {
          action: 'connection',
          chain: info ? { id: info.chainId, name: info.chainName, faucet: info.faucet } : undefined,
        }),
      );
    } finally {
      setPending(null);
    }
  }

  return (
    <div className="wallet-options">
      <ul className="wallet-options__list">
        {options.map((connector) => (
          <li key={connector.uid}>
            <button
              type="button"
              className="button button--secondary wallet-option"
              onClick={() => void choose(connector)}
              disabled={pending !== null}
              data-testid="wallet-option"
            >
              {connector.icon ? (
                // biome-ignore lint/performance/noImgElement: a wallet's icon is a data: URL it announced itself.
                <img className="wallet-option__icon" src={connector.icon} alt="" width={20} height={20} />
              ) : null}
              <span>
                {pending === connector.uid ? `Connecting ${nameOf(connector)}…` : nameOf(connector)}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {problem ? <WalletProblemNotice problem={problem} testId="connect-error" /> : null}
    </div>
  );
}
