'use client';

import { useCallback, useState } from 'react';
import type { Address, Hex } from 'viem';
import { useConfig, useSignTypedData } from 'wagmi';
import { waitForTransactionReceipt } from 'wagmi/actions';
import { relayClaim } from '../../lib/client/api';
import { relayedClaimTypedData } from '../../lib/settlement/relayed-claim';
import { describeWalletError, type WalletProblem } from '../../lib/wallet/errors';
import { relayedClaimPaid } from '../../lib/wallet/escrow-logs';
import { useWallet } from '../wallet/use-wallet';

/** 'sign': the wallet shows the RelayedClaim; 'relaying': the coordinator checks and sends it; 'mining'. */
export type RelayPhase = 'idle' | 'sign' | 'relaying' | 'mining' | 'done' | 'failed';

export function relayStep(phase: RelayPhase): string | null {
  if (phase === 'sign') return 'Sign the claim in your wallet (signing costs nothing)…';
  if (phase === 'relaying') return 'The coordinator is sending your claim…';
  if (phase === 'mining') return 'Waiting for the claim to be mined…';
  return null;
}

export type RelayResult =
  | { ok: true; hash: Hex; received: bigint; fee: bigint }
  | { ok: false; problem: WalletProblem };

/**
 * "Claim without gas": the connected wallet signs the EIP-712 RelayedClaim (lib/settlement/relayed-claim.ts,
 * the same typed data the escrow and the coordinator check) for the claim and fee the coordinator offered,
 * the coordinator's relayer sends it (POST /api/claims/:address/relay), and the receipt says what the
 * account received. Only the account itself can sign, so the wallet must be `account`.
 */
export function useRelayedClaim() {
  const config = useConfig();
  const { info } = useWallet();
  const { signTypedDataAsync } = useSignTypedData();
  const [phase, setPhase] = useState<RelayPhase>('idle');
  const [problem, setProblem] = useState<WalletProblem | null>(null);

  const send = useCallback(
    async (claim: {
      account: Address;
      cumulativeAmount: bigint;
      relayer: Address;
      fee: bigint;
    }): Promise<RelayResult> => {
      setProblem(null);
      let action: 'signature' | 'transaction' = 'signature';
      try {
        if (!info) throw new Error('Payments are not set up on this page');
        setPhase('sign');
        const signature = await signTypedDataAsync({
          ...relayedClaimTypedData(info.chainId, info.escrowAddress, claim),
          account: claim.account,
        });
        action = 'transaction';
        setPhase('relaying');
        const sent = await relayClaim(claim.account, {
          cumulativeWei: claim.cumulativeAmount.toString(),
          feeWei: claim.fee.toString(),
          signature,
        });
        setPhase('mining');
        const receipt = await waitForTransactionReceipt(config, { hash: sent.txHash, chainId: info.chainId });
        const paid = receipt.status === 'success' ? relayedClaimPaid(receipt.logs) : null;
        if (!paid) {
          throw new Error(
            `The relayed claim ${sent.txHash} was mined but paid nothing: reload the page to see what is claimable`,
          );
        }
        setPhase('done');
        return { ok: true, hash: sent.txHash, received: paid.received, fee: paid.fee };
      } catch (cause) {
        const described = describeWalletError(cause, {
          action,
          chain: info
            ? { id: info.chainId, name: info.chainName, faucet: info.faucet, rpcUrl: info.rpcUrl }
            : undefined,
          challengeWindowSeconds: info?.challengeWindowSeconds,
        });
        setProblem(described);
        setPhase('failed');
        return { ok: false, problem: described };
      }
    },
    [config, info, signTypedDataAsync],
  );

  const reset = useCallback(() => {
    setPhase('idle');
    setProblem(null);
  }, []);

  return {
    send,
    reset,
    phase,
    problem,
    busy: phase === 'sign' || phase === 'relaying' || phase === 'mining',
  };
}
