'use client';

import { useState } from 'react';
import type { Address } from 'viem';
import type { ClaimsView } from '../../lib/protocol/api-types';
import { formatEther } from '../../lib/settlement/pricing';
import { sameAddress, shortAddress } from '../../lib/wallet/address';
import { claimedAmount } from '../../lib/wallet/escrow-logs';
import { ExplorerLink } from '../wallet/explorer-link';
import { transactionStep, useEscrowTransaction } from '../wallet/use-escrow-transaction';
import { useWallet, useWalletBalance } from '../wallet/use-wallet';
import { WalletProblemNotice } from '../wallet/wallet-problem';
import { WalletRequirement } from '../wallet/wallet-requirement';
import { relayStep, useRelayedClaim } from './use-relayed-claim';

/**
 * "Claim X ETH": one transaction pays everything final and unclaimed, with the proof the coordinator gives.
 * Anyone may send it; the ether always goes to the address itself, the sender pays only the gas.
 * "Claim without gas (fee Y)", where the coordinator relays claims: the address's own wallet signs the
 * claim for free and the coordinator's relayer sends it, keeping the fee (use-relayed-claim.ts).
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
  const relayed = useRelayedClaim();
  const [claimed, setClaimed] = useState<{ amount: bigint; hash: string; fee?: bigint } | null>(null);
  const { claim, relay } = view;
  const claimable = BigInt(view.claimableWei);
  const busy = tx.busy || relayed.busy;
  const ownWallet = sameAddress(wallet.address, address);

  async function onRelayedClick() {
    if (!claim || !relay?.available) return;
    setClaimed(null);
    tx.reset(); // one notice at a time: the last attempt's
    const result = await relayed.send({
      account: address,
      cumulativeAmount: BigInt(claim.cumulativeWei),
      relayer: relay.relayer,
      fee: BigInt(relay.feeWei),
    });
    if (!result.ok) return;
    setClaimed({ amount: result.received, hash: result.hash, fee: result.fee });
    await Promise.all([onClaimed(), balance.refetch()]);
  }

  async function onClick() {
    if (!claim) return;
    setClaimed(null);
    relayed.reset();
    const result = await tx.send({
      functionName: 'claim',
      args: [address, BigInt(claim.cumulativeWei), claim.proof],
    });
    if (!result.ok) return;
    setClaimed({ amount: claimedAmount(result.receipt.logs) ?? claimable, hash: result.hash });
    await Promise.all([onClaimed(), balance.refetch()]);
  }

  const step = transactionStep(tx.phase, 'the claim') ?? relayStep(relayed.phase);

  return (
    <div className="claim-action">
      {claimed ? (
        <p className="notice claim-action__result" role="status" data-testid="claim-result">
          Claimed <strong data-testid="claim-received">{formatEther(claimed.amount)}</strong> to{' '}
          {shortAddress(address)}
          {claimed.fee !== undefined ? ` without gas (the relayer kept ${formatEther(claimed.fee)})` : ''}.{' '}
          <span className="muted small" title={claimed.hash} data-testid="claim-tx">
            Transaction <ExplorerLink target="tx" value={claimed.hash} />
          </span>
        </p>
      ) : null}
      {tx.problem ? <WalletProblemNotice problem={tx.problem} testId="claim-error" /> : null}
      {relayed.problem ? <WalletProblemNotice problem={relayed.problem} testId="relay-error" /> : null}
      {claim ? (
        <WalletRequirement purpose="to send the claim (it pays only the gas)">
          <div className="button-row">
            <button
              type="button"
              className="button button--primary"
              onClick={() => void onClick()}
              disabled={busy}
              data-testid="claim-button"
            >
              {tx.busy ? 'Claiming…' : `Claim ${formatEther(claimable)}`}
            </button>
            {relay?.available && ownWallet ? (
              <button
                type="button"
                className="button button--secondary"
                onClick={() => void onRelayedClick()}
                disabled={busy}
                data-testid="relay-button"
              >
                {relayed.busy ? 'Claiming…' : `Claim without gas (fee ${formatEther(BigInt(relay.feeWei))})`}
              </button>
            ) : null}
            {step ? (
              <output className="payment__step" aria-live="polite">
                <span className="spinner spinner--small" aria-hidden="true" /> {step}
              </output>
            ) : null}
          </div>
          {wallet.address && !ownWallet ? (
            <p className="hint">
              The ether goes to {shortAddress(address)}; your wallet {shortAddress(wallet.address)} pays only
              the gas.
              {relay?.available
                ? ` To claim without gas, connect the wallet of ${shortAddress(address)}: only it can sign the claim.`
                : ''}
            </p>
          ) : null}
          {relay?.available && ownWallet && balance.wei === 0n ? (
            <p className="hint" data-testid="relay-hint">
              Your wallet has no ETH for gas: “Claim without gas” needs none, the relayer keeps{' '}
              {relay.feeBps / 100}% of the claim instead.
            </p>
          ) : null}
          {relay && !relay.available ? (
            <p className="hint" data-testid="relay-unavailable">
              Claim without gas: {relay.reason}
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
