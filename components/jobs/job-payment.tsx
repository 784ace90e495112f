'use client';

import { useEffect, useId, useState } from 'react';
import type { JobPaymentView, JobView } from '../../lib/protocol/api-types';
import { depositBalance, depositDue } from '../../lib/settlement/deposit';
import { formatEther } from '../../lib/settlement/pricing';
import { sameAddress, shortAddress } from '../../lib/wallet/address';
import type { WalletProblem } from '../../lib/wallet/errors';
import { refundedAmount } from '../../lib/wallet/escrow-logs';
import { StatusBadge } from '../ui/status-badge';
import { ExplorerLink } from '../wallet/explorer-link';
import { transactionStep, useEscrowTransaction } from '../wallet/use-escrow-transaction';
import { useWallet, useWalletBalance } from '../wallet/use-wallet';
import { WalletProblemNotice } from '../wallet/wallet-problem';
import { WalletRequirement } from '../wallet/wallet-requirement';
import { takeDepositProblem, useJobDeposit } from './use-job-deposit';

type PaymentState = JobPaymentView['state'];

const STATE_LABEL: Record<PaymentState, string> = {
  'awaiting-deposit': 'awaiting deposit',
  funded: 'funded',
  closed: 'closed',
  refunded: 'refunded',
  held: 'held',
};

const STATE_TONE: Record<PaymentState, 'ok' | 'busy' | 'warn' | 'error' | 'idle'> = {
  'awaiting-deposit': 'warn',
  funded: 'busy',
  closed: 'ok',
  refunded: 'idle',
  held: 'error',
};

const STATE_TEXT: Record<PaymentState, string> = {
  'awaiting-deposit': 'Rendering starts once the escrow holds the deposit.',
  funded:
    'Contributors are paid from the deposit for verified work, in settlements the coordinator posts to the chain.',
  closed: 'The job’s last settlement is final: the requestor can take back what verified work did not use.',
  refunded: 'What verified work did not use went back to the requestor.',
  held: 'A settlement of this job was voided after a dispute: no more are posted for it until the coordinator’s operator resolves the dispute.',
};

/** A paid job's escrow: deposit, what verified work has earned and been paid, and the requestor's actions. */
export function JobPaymentPanel({
  job,
  payment,
  onJob,
}: {
  job: JobView;
  payment: JobPaymentView;
  /** A fresher view of the job (the coordinator's answer to a deposit). */
  onJob: (job: JobView) => void;
}) {
  const id = useId();
  const now = useSecondsNow();
  const deposited = BigInt(payment.depositedWei);
  const settled = BigInt(payment.settledWei);
  const credited = BigInt(payment.creditedWei);
  const { unused, shownUnused, expired, refundable, refundOffered } = depositBalance(payment, now);

  return (
    <section className="card payment" aria-labelledby={`${id}-title`} data-testid="job-payment">
      <div className="section-head">
        <h2 id={`${id}-title`}>Payment</h2>
        <StatusBadge
          status={STATE_LABEL[payment.state]}
          tone={STATE_TONE[payment.state]}
          testId="payment-state"
        />
      </div>
      <p className="hint payment__intro">{STATE_TEXT[payment.state]}</p>
      <dl className="figures">
        <Figure label="Deposit" testId="payment-deposited">
          {formatEther(deposited)}
          {payment.state === 'awaiting-deposit' ? (
            <span className="figure__unit">of {formatEther(BigInt(payment.budgetWei))} needed</span>
          ) : null}
        </Figure>
        <Figure label="Estimated cost" testId="payment-estimate">
          {formatEther(BigInt(payment.estimateWei))}
        </Figure>
        <Figure label="Credited so far" testId="payment-credited">
          {formatEther(credited)}
          <span className="figure__unit">verified work, settled or not</span>
        </Figure>
        <Figure label="Settled" testId="payment-settled">
          {formatEther(settled)}
          <span className="figure__unit">paid to contributors</span>
        </Figure>
        <Figure label={payment.state === 'refunded' ? 'Refunded' : 'Unused'} testId="payment-unused">
          {formatEther(shownUnused)}
          <span className="figure__unit">
            {payment.state === 'refunded' ? 'returned to the requestor' : 'deposit less settled'}
          </span>
        </Figure>
      </dl>
      <dl className="details-list">
        <div>
          <dt>Requestor</dt>
          <dd className="mono">
            {payment.requestor ? (
              <ExplorerLink target="address" value={payment.requestor}>
                {payment.requestor}
              </ExplorerLink>
            ) : (
              '—'
            )}
          </dd>
        </div>
        <div>
          <dt>Escrow job id</dt>
          <dd className="mono" title={payment.chainJobId}>
            {shortAddress(payment.chainJobId)}
          </dd>
        </div>
        <div>
          <dt>Deposit expires</dt>
          <dd>
            {payment.expiresAt === null ? (
              '—'
            ) : (
              <time dateTime={new Date(payment.expiresAt * 1000).toISOString()}>
                {new Date(payment.expiresAt * 1000).toLocaleString()}
              </time>
            )}
            {expired ? <span className="muted"> · expired: the requestor may take back the rest</span> : null}
          </dd>
        </div>
      </dl>
      {payment.openSettlement ? (
        <OpenSettlement payment={payment} settlement={payment.openSettlement} />
      ) : null}
      {payment.state === 'awaiting-deposit' ? (
        <DepositAction job={job} onJob={onJob} />
      ) : refundOffered ? (
        <RefundAction payment={payment} refundable={refundable} unused={unused} />
      ) : null}
    </section>
  );
}

function Figure({ label, testId, children }: { label: string; testId: string; children: React.ReactNode }) {
  return (
    <div className="figure">
      <dt>{label}</dt>
      <dd className="figure__value" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

/** The deposit of a job still awaiting it: after a failed attempt in the form, or from another tab. */
function DepositAction({ job, onJob }: { job: JobView; onJob: (job: JobView) => void }) {
  const flow = useJobDeposit();
  const wallet = useWallet();
  const balance = useWalletBalance();
  const [carried, setCarried] = useState<WalletProblem | { warning: string } | null>(null);
  const [warning, setWarning] = useState<string | null>(null);
  const due = depositDue(job);

  // What went wrong with the deposit the job form attempted (read once; a reload does not repeat it).
  useEffect(() => setCarried(takeDepositProblem(job.id)), [job.id]);

  async function onClick() {
    setCarried(null);
    setWarning(null);
    const outcome = await flow.deposit(job);
    if (outcome.ok) {
      if (outcome.job) onJob(outcome.job);
      setWarning(outcome.warning);
      void balance.refetch();
    }
  }

  const problem = flow.problem ?? (carried && 'kind' in carried ? carried : null);
  const note = warning ?? (carried && 'warning' in carried ? carried.warning : null);
  const requestorElsewhere =
    job.payment?.requestor && wallet.address && !sameAddress(job.payment.requestor, wallet.address);

  return (
    <div className="payment__action">
      {problem ? <WalletProblemNotice problem={problem} testId="deposit-error" /> : null}
      {note ? (
        <p className="notice notice--warn" role="status" data-testid="deposit-pending">
          {note}
        </p>
      ) : null}
      <WalletRequirement purpose="to deposit for this job">
        {requestorElsewhere ? (
          <p className="warn-text small" data-testid="deposit-other-wallet">
            This job was created for {shortAddress(job.payment?.requestor ?? '')}: only a deposit from that
            wallet funds it. Connect it to deposit (a deposit from this wallet would not count).
          </p>
        ) : null}
        <div className="button-row">
          <button
            type="button"
            className="button button--primary"
            onClick={() => void onClick()}
            disabled={flow.busy || Boolean(requestorElsewhere)}
            data-testid="deposit-button"
          >
            {flow.busy ? 'Depositing…' : `Deposit ${formatEther(due)}`}
          </button>
          {flow.step ? (
            <output className="payment__step" aria-live="polite" data-testid="payment-step">
              <span className="spinner spinner--small" aria-hidden="true" /> {flow.step}
            </output>
          ) : null}
        </div>
        <p className="hint">
          What verified work does not use is refunded once the job’s last settlement is final.
        </p>
      </WalletRequirement>
    </div>
  );
}

/** "Refund unused deposit", for the requestor, once the job is closed or its deposit expired. */
function RefundAction({
  payment,
  refundable,
  unused,
}: {
  payment: JobPaymentView;
  refundable: boolean;
  unused: bigint;
}) {
  const wallet = useWallet();
  const balance = useWalletBalance();
  const tx = useEscrowTransaction();
  const [refunded, setRefunded] = useState<{ amount: bigint; hash: string } | null>(null);
  const isRequestor = sameAddress(wallet.address, payment.requestor);

  if (refunded) {
    return (
      <p className="notice payment__result" role="status" data-testid="refund-result">
        Refunded <strong>{formatEther(refunded.amount)}</strong> to {shortAddress(payment.requestor ?? '')}.{' '}
        <span className="muted small" title={refunded.hash}>
          Transaction <ExplorerLink target="tx" value={refunded.hash} />
        </span>
      </p>
    );
  }
  if (!wallet.info) return null;
  if (!wallet.connected) {
    return (
      <p className="hint payment__action">
        {refundable ? 'The unused deposit can be refunded: ' : ''}connect the requestor’s wallet (menu at the
        top) to manage this deposit.
      </p>
    );
  }
  if (!isRequestor) return null;
  if (!refundable) {
    return (
      <p className="hint payment__action">
        You made this deposit. You can take back what verified work does not use once the job’s last
        settlement is final, or after the deposit expires.
      </p>
    );
  }

  async function onClick() {
    const result = await tx.send({ functionName: 'refund', args: [payment.chainJobId] });
    if (!result.ok) return;
    setRefunded({ amount: refundedAmount(result.receipt.logs) ?? 0n, hash: result.hash });
    void balance.refetch();
  }

  const step = transactionStep(tx.phase, 'the refund');

  return (
    <div className="payment__action">
      {tx.problem ? <WalletProblemNotice problem={tx.problem} testId="refund-error" /> : null}
      <WalletRequirement purpose="to refund the deposit">
        <div className="button-row">
          <button
            type="button"
            className="button button--primary"
            onClick={() => void onClick()}
            disabled={tx.busy}
            data-testid="refund-button"
          >
            {tx.busy ? 'Refunding…' : 'Refund unused deposit'}
          </button>
          {step ? (
            <output className="payment__step" aria-live="polite">
              <span className="spinner spinner--small" aria-hidden="true" /> {step}
            </output>
          ) : (
            <span className="muted small">About {formatEther(unused)} comes back.</span>
          )}
        </div>
      </WalletRequirement>
    </div>
  );
}

/**
 * A posted settlement of this job still open to disputes: what it pays and until when it can be stopped.
 * The requestor, and only the requestor, may dispute it; the arbiter then upholds or voids it.
 */
function OpenSettlement({
  payment,
  settlement,
}: {
  payment: JobPaymentView;
  settlement: NonNullable<JobPaymentView['openSettlement']>;
}) {
  const wallet = useWallet();
  const tx = useEscrowTransaction();
  const [confirming, setConfirming] = useState(false);
  const [disputed, setDisputed] = useState(false);
  const isRequestor = sameAddress(wallet.address, payment.requestor);
  const until = new Date(settlement.disputableUntil * 1000);
  const bond = BigInt(wallet.info?.disputeBondWei ?? '0');

  async function onDispute() {
    const result = await tx.send({
      functionName: 'dispute',
      args: [BigInt(settlement.settlementId), payment.chainJobId],
      value: bond,
    });
    if (result.ok) {
      setDisputed(true);
      setConfirming(false);
    }
  }

  return (
    <div className="notice payment__settlement" data-testid="open-settlement">
      <p className="notice__title">
        Settlement #{settlement.settlementId}{' '}
        {settlement.state === 'disputed' || disputed ? 'is disputed' : 'is open'}
      </p>
      <p>
        It settles {formatEther(BigInt(settlement.settledWei))} of this deposit to contributors
        {settlement.closes ? ' and closes the job' : ''}.{' '}
        {settlement.state === 'disputed' || disputed ? (
          'The arbiter now upholds it or voids it (or the coordinator replaces it by a settlement without this job); nothing is paid from it until then.'
        ) : (
          <>
            It becomes final at <time dateTime={until.toISOString()}>{until.toLocaleString()}</time> unless
            the requestor disputes it.
          </>
        )}
      </p>
      {tx.problem ? <WalletProblemNotice problem={tx.problem} testId="dispute-error" /> : null}
      {isRequestor && settlement.state === 'pending' && !disputed ? (
        confirming ? (
          <div className="button-row">
            <button
              type="button"
              className="button button--primary"
              onClick={() => void onDispute()}
              disabled={tx.busy}
              data-testid="dispute-confirm"
            >
              {tx.busy ? 'Disputing…' : `Yes, dispute settlement #${settlement.settlementId}`}
            </button>
            <button type="button" className="button button--ghost" onClick={() => setConfirming(false)}>
              Keep it
            </button>
            <span className="muted small" data-testid="dispute-bond">
              Dispute only if the image or the work it pays for is wrong: the arbiter decides. A dispute
              carries a bond of {formatEther(bond)}: you get it back unless the arbiter upholds the
              settlement.
            </span>
          </div>
        ) : (
          <button
            type="button"
            className="button button--secondary"
            onClick={() => setConfirming(true)}
            data-testid="dispute-button"
          >
            Dispute this settlement
          </button>
        )
      ) : null}
    </div>
  );
}

/** Seconds since epoch, refreshed every 30 s (deposit expiry needs no finer clock). */
function useSecondsNow(): number {
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  useEffect(() => {
    const timer = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}
