'use client';

import { useState } from 'react';
import { ApiError, requestTestEther } from '../../lib/client/api';
import { formatEther } from '../../lib/settlement/pricing';
import { useWallet, useWalletBalance } from './use-wallet';

/** "Get 10 test ETH": the local chain of npm start gives ether away, so a first deposit needs no setup. */
export function FaucetButton({ className = 'button button--secondary' }: { className?: string }) {
  const { info, address } = useWallet();
  const balance = useWalletBalance();
  const [state, setState] = useState<{ busy: boolean; note: string | null; failed: boolean }>({
    busy: false,
    note: null,
    failed: false,
  });
  if (!info?.faucet || !address) return null;

  async function onClick() {
    if (!address) return;
    setState({ busy: true, note: null, failed: false });
    try {
      const result = await requestTestEther(address);
      await balance.refetch();
      setState({
        busy: false,
        note: `This wallet now holds ${formatEther(BigInt(result.balanceWei))}.`,
        failed: false,
      });
    } catch (cause) {
      const note = cause instanceof ApiError ? cause.shortMessage : `The faucet failed: ${String(cause)}`;
      setState({ busy: false, note, failed: true });
    }
  }

  return (
    <>
      <button
        type="button"
        className={className}
        onClick={() => void onClick()}
        disabled={state.busy}
        data-testid="faucet-button"
      >
        {state.busy ? 'Sending test ETH…' : 'Get 10 test ETH'}
      </button>
      {state.note ? (
        <p
          className={`small ${state.failed ? 'error-text' : 'muted'}`}
          role="status"
          data-testid="faucet-result"
        >
          {state.note}
        </p>
      ) : null}
    </>
  );
}
