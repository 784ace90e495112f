import type { JobPaymentView } from '../protocol/api-types';
import { DEPOSIT_LIFETIME_SECONDS } from './pricing';

/**
 * The requestor's side of a paid job's escrow, as the dashboard decides it: what is still to deposit, when a
 * new deposit expires, what the deposit has left and when it may be refunded. Plain functions of the job's
 * payment view (wei as decimal strings) and the clock, server-free, so the job pages and tests share them.
 */

/** What is still to deposit: the budget less what the escrow already holds for the job (a top-up). */
export function depositDue(job: {
  payment?: Pick<JobPaymentView, 'budgetWei' | 'depositedWei'> | null;
}): bigint {
  if (!job.payment) return 0n;
  const due = BigInt(job.payment.budgetWei) - BigInt(job.payment.depositedWei);
  return due > 0n ? due : 0n;
}

/**
 * The `expiresAt` a deposit made at `nowMs` carries: the escrow keeps it this long, and the coordinator
 * refuses deposits locked for less.
 */
export function depositExpiresAt(nowMs: number): bigint {
  return BigInt(Math.floor(nowMs / 1000) + DEPOSIT_LIFETIME_SECONDS);
}

export interface DepositBalance {
  /** The deposit less what final settlements paid contributors (never negative). */
  unused: bigint;
  /** What the "Unused"/"Refunded" figure shows: nothing while the deposit is still awaited. */
  shownUnused: bigint;
  /** The deposit's expiry has passed (chain time, seconds): the requestor may take back the rest anyway. */
  expired: boolean;
  /** The requestor may refund now: the job's last settlement is final, or the deposit expired. */
  refundable: boolean;
  /** A refund action belongs on the page: the deposit was made and not yet refunded. */
  refundOffered: boolean;
}

/** Where a job's deposit stands at `nowSeconds`: what is left of it and whether the requestor may refund it. */
export function depositBalance(
  payment: Pick<JobPaymentView, 'state' | 'depositedWei' | 'settledWei' | 'expiresAt'>,
  nowSeconds: number,
): DepositBalance {
  const deposited = BigInt(payment.depositedWei);
  const settled = BigInt(payment.settledWei);
  const unused = deposited > settled ? deposited - settled : 0n;
  const expired = payment.expiresAt !== null && payment.expiresAt <= nowSeconds;
  return {
    unused,
    shownUnused: payment.state === 'awaiting-deposit' ? 0n : unused,
    expired,
    refundable: payment.state === 'closed' || expired,
    refundOffered: payment.state !== 'awaiting-deposit' && payment.state !== 'refunded',
  };
}
