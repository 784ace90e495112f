'use client';

import { useState } from 'react';
import type { Address } from 'viem';
import type { ClaimsView } from '../../lib/protocol/api-types';
import { formatEther } from '../../lib/settlement/pricing';
import { sameAddress, shortAddress } from '../../lib/wallet/address';
import { claimedAmount } from '../../lib/wallet/escrow-logs';
import { transactionStep, useEscrowTransaction } from '../wallet/use-escrow-transaction';
import { useWallet, useWalletBalance } from '../wallet/use-wallet';
import { WalletProblemNotice } from '../wallet/wallet-problem';
import { WalletRequirement } from '../wallet/wallet-requirement';

/**
 * "Claim X ETH": one transaction pays everything final and unclaimed, with the proof the coordinator gives.
 * Anyone may send it; the ether always goes to the address itself, the sender pays only the gas.
 */
export function ClaimAction({
  address,
  view,
  onClaimed,
}: {
  address: Address;
  view: ClaimsView;
  onClaimed: () => Promise<void>;
}) {
  const wallet = useWallet();
  const balance = useWalletBalance();
  const tx = useEscrowTransaction();
  const [claimed, setClaimed] = useState<{ amount: bigint; hash: string } | null>(null);
  const { claim } = view;
  const claimable = BigInt(view.claimableWei);

  async function onClick() {
    if (!claim) return;
    setClaimed(null);
    const result = await tx.send({
      functionName: 'claim',
      args: [address, BigInt(claim.cumulativeWei), claim.proof],
    });
    if (!result.ok) return;
    setClaimed({ amount: claimedAmount(result.receipt.logs) ?? claimable, hash: result.hash });
    await Promise.all([onClaimed(), balance.refetch()]);
  }

  const step = transactionStep(tx.phase, 'the claim');

  return (
    <div className="claim-action">
      {claimed ? (
        <p className="notice claim-action__result" role="status" data-testid="claim-result">
          Claimed <strong>{formatEther(claimed.amount)}</strong> to {shortAddress(address)}.{' '}
          <span className="muted mono small" title={claimed.hash}>
            Transaction {shortAddress(claimed.hash)}
          </span>
        </p>
      ) : null}
      {tx.problem ? <WalletProblemNotice problem={tx.problem} testId="claim-error" /> : null}
      {claim ? (
        <WalletRequirement purpose="to send the claim (it pays only the gas)">
          <div className="button-row">
            <button
              type="button"
              className="button button--primary"
              onClick={() => void onClick()}
              disabled={tx.busy}
              data-testid="claim-button"
            >
              {tx.busy ? 'Claiming…' : `Claim ${formatEther(claimable)}`}
            </button>
            {step ? (
              <output className="payment__step" aria-live="polite">
                <span className="spinner spinner--small" aria-hidden="true" /> {step}
              </output>
            ) : null}
          </div>
          {wallet.address && !sameAddress(wallet.address, address) ? (
            <p className="hint">
              The ether goes to {shortAddress(address)}; your wallet {shortAddress(wallet.address)} pays only
              the gas.
            </p>
          ) : null}
        </WalletRequirement>
      ) : (
        <div className="button-row">
          <button type="button" className="button button--primary" disabled data-testid="claim-button">
            Nothing to claim yet
          </button>
          <span className="muted small">
            {BigInt(view.pendingWei) > 0n
              ? 'Pending credit becomes claimable once a settlement with it is final.'
              : 'Claimable ether appears here once a settlement paying this address is final.'}
          </span>
        </div>
      )}
    </div>
  );
}
