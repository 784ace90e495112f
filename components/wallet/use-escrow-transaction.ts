'use client';

import { useCallback, useState } from 'react';
import type { Address, Hex, TransactionReceipt } from 'viem';
import { useConfig, useWriteContract } from 'wagmi';
import { getBalance, simulateContract, waitForTransactionReceipt } from 'wagmi/actions';
import { lumengridEscrowAbi } from '../../lib/chain/artifacts/lumengrid-escrow';
import { describeWalletError, type WalletProblem } from '../../lib/wallet/errors';
import { useWallet } from './use-wallet';

/** The escrow calls the dashboard makes. */
export type EscrowCall =
  | { functionName: 'deposit'; args: readonly [Hex, bigint]; value: bigint }
  | { functionName: 'refund'; args: readonly [Hex] }
  | { functionName: 'dispute'; args: readonly [bigint, Hex]; value: bigint }
  | { functionName: 'claim'; args: readonly [Address, bigint, readonly Hex[]] };

/**
 * 'checking': the call is simulated on the chain first, so that an escrow refusal is explained by name
 * before the wallet asks anything; 'confirm': the wallet shows the transaction; 'mining': sent, waiting
 * for its receipt.
 */
export type TransactionPhase = 'idle' | 'checking' | 'confirm' | 'mining' | 'done' | 'failed';

/** What a person is waiting for in each busy phase of a transaction ("the claim", "the deposit"), else null. */
export function transactionStep(phase: TransactionPhase, what: string): string | null {
  if (phase === 'checking') return `Checking ${what}…`;
  if (phase === 'confirm') return `Confirm ${what} in your wallet…`;
  if (phase === 'mining') return `Waiting for ${what} to be mined…`;
  return null;
}

export type TransactionResult =
  | { ok: true; hash: Hex; receipt: TransactionReceipt }
  | { ok: false; problem: WalletProblem; hash: Hex | null };

class RevertedOnChainError extends Error {
  override readonly name = 'RevertedOnChainError';
}

/** Sends one escrow transaction from the connected wallet and follows it to its receipt, step by step. */
export function useEscrowTransaction() {
  const config = useConfig();
  const write = useWriteContract();
  const { info, address } = useWallet();
  const [phase, setPhase] = useState<TransactionPhase>('idle');
  const [problem, setProblem] = useState<WalletProblem | null>(null);
  const { mutateAsync } = write;

  const send = useCallback(
    async (call: EscrowCall): Promise<TransactionResult> => {
      setProblem(null);
      let hash: Hex | null = null;
      const value =
        call.functionName === 'deposit' || call.functionName === 'dispute' ? call.value : undefined;
      try {
        if (!info || !address)
          throw Object.assign(new Error('Connect your wallet first'), {
            name: 'ConnectorNotConnectedError',
          });
        const target = {
          address: info.escrowAddress,
          abi: lumengridEscrowAbi,
          chainId: info.chainId,
        } as const;
        setPhase('checking');
        const confirm = () => setPhase('confirm');
        // One branch per call, so that each call's arguments and the simulated request are checked
        // against the ABI (a union of them does not narrow).
        if (call.functionName === 'deposit') {
          const { request } = await simulateContract(config, { ...target, ...call, account: address });
          confirm();
          hash = await mutateAsync(request);
        } else if (call.functionName === 'refund') {
          const { request } = await simulateContract(config, { ...target, ...call, account: address });
          confirm();
          hash = await mutateAsync(request);
        } else if (call.functionName === 'dispute') {
          const { request } = await simulateContract(config, { ...target, ...call, account: address });
          confirm();
          hash = await mutateAsync(request);
        } else {
          const { request } = await simulateContract(config, { ...target, ...call, account: address });
          confirm();
          hash = await mutateAsync(request);
        }
        setPhase('mining');
        const receipt = await waitForTransactionReceipt(config, { hash, chainId: info.chainId });
        if (receipt.status !== 'success') {
          throw new RevertedOnChainError('The transaction was mined but reverted: nothing changed');
        }
        setPhase('done');
        return { ok: true, hash, receipt };
      } catch (cause) {
        // The balance makes "lacks X ETH" exact; it is read only when something failed.
        const balanceWei =
          info && address && value !== undefined
            ? await getBalance(config, { address, chainId: info.chainId }).then(
                (b) => b.value,
                () => undefined,
              )
            : undefined;
        const described =
          cause instanceof RevertedOnChainError
            ? {
                ...describeWalletError(cause),
                next: [
                  'Reload the page to see the current state; your wallet’s activity shows why it failed.',
                ],
              }
            : describeWalletError(cause, {
                action: 'transaction',
                chain: info
                  ? { id: info.chainId, name: info.chainName, faucet: info.faucet, rpcUrl: info.rpcUrl }
                  : undefined,
                valueWei: value,
                balanceWei,
                challengeWindowSeconds: info?.challengeWindowSeconds,
              });
        setProblem(described);
        setPhase('failed');
        return { ok: false, problem: described, hash };
      }
    },
    [config, mutateAsync, info, address],
  );

  const reset = useCallback(() => {
    setPhase('idle');
    setProblem(null);
  }, []);

  return {
    send,
    phase,
    problem,
    reset,
    busy: phase === 'checking' || phase === 'confirm' || phase === 'mining',
  };
}
