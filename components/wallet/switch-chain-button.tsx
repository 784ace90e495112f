'use client';

import { useState } from 'react';
import { useSwitchChain } from 'wagmi';
import { describeWalletError, type WalletProblem } from '../../lib/wallet/errors';
import { useWallet } from './use-wallet';

/** "Switch to <chain>": asks the wallet to change networks (and to add the chain when it does not know it). */
export function SwitchChainButton({ className = 'button button--primary' }: { className?: string }) {
  const { info, wrongChain } = useWallet();
  const switchChain = useSwitchChain();
  const [problem, setProblem] = useState<WalletProblem | null>(null);
  if (!info || !wrongChain) return null;

  async function onClick() {
    if (!info) return;
    setProblem(null);
    try {
      await switchChain.mutateAsync({ chainId: info.chainId });
    } catch (cause) {
      setProblem(
        describeWalletError(cause, {
          action: 'switch',
          chain: { id: info.chainId, name: info.chainName, faucet: info.faucet, rpcUrl: info.rpcUrl },
        }),
      );
    }
  }

  return (
    <>
      <button
        type="button"
        className={className}
        onClick={() => void onClick()}
        disabled={switchChain.isPending}
        data-testid="switch-chain-button"
      >
        {switchChain.isPending ? 'Switching — confirm in your wallet…' : `Switch to ${info.chainName}`}
      </button>
      {problem ? (
        <p className="error-text small" role="alert">
          {problem.message}. {problem.next.join(' ')}
        </p>
      ) : null}
    </>
  );
}
