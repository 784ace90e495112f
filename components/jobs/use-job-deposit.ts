'use client';

import { useCallback, useState } from 'react';
import { confirmDeposit } from '../../lib/client/api';
import type { JobView } from '../../lib/protocol/api-types';
import { depositDue, depositExpiresAt } from '../../lib/settlement/deposit';
import { formatEther } from '../../lib/settlement/pricing';
import type { WalletProblem } from '../../lib/wallet/errors';
import { transactionStep, useEscrowTransaction } from '../wallet/use-escrow-transaction';

export type DepositOutcome =
  | { ok: true; job: JobView | null; warning: string | null }
  | { ok: false; problem: WalletProblem };

/**
 * A paid job's deposit: the escrow transaction, its receipt, then POST /api/jobs/:id/deposit so that the
 * coordinator reads the chain and starts the job now rather than at its next poll.
 */
export function useJobDeposit() {
  const tx = useEscrowTransaction();
  const [reporting, setReporting] = useState(false);
  const { send } = tx;

  const deposit = useCallback(
    async (job: JobView): Promise<DepositOutcome> => {
      if (!job.payment) throw new Error(`Job ${job.id} is unpaid: it takes no deposit`);
      const due = depositDue(job);
      let hash: `0x${string}` | undefined;
      if (due > 0n) {
        const expiresAt = depositExpiresAt(Date.now());
        // Under the job's key from the connected wallet: the escrow files it as jobIdOf(wallet, key), which
        // is the job's escrow id only when the wallet is the requestor the job was created for.
        const result = await send({
          functionName: 'deposit',
          args: [job.payment.chainJobKey, expiresAt],
          value: due,
        });
        if (!result.ok) return { ok: false, problem: result.problem };
        hash = result.hash;
      }
      setReporting(true);
      try {
        const updated = hash ? await confirmDeposit(job.id, hash) : null;
        return { ok: true, job: updated, warning: null };
      } catch (cause) {
        // The deposit is on chain: the coordinator's own poll will find it, so this is no failure.
        const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
        return {
          ok: true,
          job: null,
          warning: `${formatEther(due)} is deposited; the job starts as soon as the coordinator sees it (${detail}).`,
        };
      } finally {
        setReporting(false);
      }
    },
    [send],
  );

  const step = reporting ? 'Starting the job…' : transactionStep(tx.phase, 'the deposit');

  return { deposit, step, busy: tx.busy || reporting, problem: tx.problem };
}

const HANDOFF_KEY = (jobId: string) => `lumengrid.deposit-problem.${jobId}`;

/** A failed deposit from the job form, carried to the job's page (where the deposit can be retried). */
export function stashDepositProblem(jobId: string, problem: WalletProblem | { warning: string }): void {
  try {
    sessionStorage.setItem(HANDOFF_KEY(jobId), JSON.stringify(problem));
  } catch {
    // Storage full or blocked: the page still shows the job awaiting its deposit, with the button.
  }
}

export function takeDepositProblem(jobId: string): WalletProblem | { warning: string } | null {
  try {
    const raw = sessionStorage.getItem(HANDOFF_KEY(jobId));
    if (!raw) return null;
    sessionStorage.removeItem(HANDOFF_KEY(jobId));
    return JSON.parse(raw) as WalletProblem | { warning: string };
  } catch {
    return null;
  }
}
