'use client';

import { useId } from 'react';
import { formatEther, type JobCost } from '../../lib/settlement/pricing';
import { useWallet, useWalletBalance } from '../wallet/use-wallet';
import { WalletRequirement } from '../wallet/wallet-requirement';

export type PaymentChoice = 'paid' | 'unpaid';

/**
 * The job form's "Payment" choice, shown only when the coordinator takes payments: a paid job deposits its
 * budget in the escrow (contributors are paid from it for verified work); an unpaid one renders on
 * volunteers' goodwill, as every job did before payments.
 */
export function JobPaymentChoice({
  choice,
  onChoose,
  cost,
  disabled,
}: {
  choice: PaymentChoice;
  onChoose: (choice: PaymentChoice) => void;
  /** Null while the settings are invalid. */
  cost: JobCost | null;
  disabled: boolean;
}) {
  const id = useId();
  const wallet = useWallet();
  const balance = useWalletBalance();
  if (!wallet.info) return null;
  const gwei = Number(BigInt(wallet.info.priceWeiPerPixelSample)) / 1e9;
  const short = cost && balance.wei !== undefined && balance.wei < cost.depositWei;

  return (
    <fieldset className="payment-choice" disabled={disabled} aria-describedby={`${id}-cost`}>
      <legend>Payment</legend>
      <div className="payment-choice__options">
        <label className="payment-choice__option">
          <input
            type="radio"
            name={`${id}-payment`}
            value="paid"
            checked={choice === 'paid'}
            onChange={() => onChoose('paid')}
            data-testid="payment-paid"
          />
          <span>Pay contributors (escrow deposit)</span>
        </label>
        <label className="payment-choice__option">
          <input
            type="radio"
            name={`${id}-payment`}
            value="unpaid"
            checked={choice === 'unpaid'}
            onChange={() => onChoose('unpaid')}
            data-testid="payment-unpaid"
          />
          <span>Unpaid (volunteers)</span>
        </label>
      </div>
      {choice === 'paid' ? (
        <>
          <output id={`${id}-cost`} className="payment-cost" aria-live="polite" data-testid="job-cost">
            {cost ? (
              <>
                You deposit <strong data-testid="cost-deposit">{formatEther(cost.depositWei)}</strong> now{' '}
                <span className="muted">
                  (estimated cost <span data-testid="cost-estimate">{formatEther(cost.estimateWei)}</span>)
                </span>
              </>
            ) : (
              'The cost shows once the settings are valid.'
            )}
          </output>
          <p className="hint">
            At {gwei.toLocaleString('en', { maximumFractionDigits: 3 })} gwei per verified pixel-sample. The
            deposit covers verification even if every contributor is new; what verified work does not use is
            refunded to you once the job’s last settlement is final.
          </p>
          {short ? (
            <p className="warn-text small" data-testid="deposit-short">
              Your wallet holds {formatEther(balance.wei ?? 0n)}: less than the deposit, before gas.
            </p>
          ) : null}
          <WalletRequirement purpose={`on ${wallet.info.chainName} to pay for this job`} />
        </>
      ) : (
        <p id={`${id}-cost`} className="hint">
          Volunteers render it for free; their work earns credit, not ether.
        </p>
      )}
    </fieldset>
  );
}
