import { type Address, getAddress, isHex } from 'viem';
import type { CoordinatorContext } from '../coordinator/context';
import type { SqlExecutor } from '../coordinator/db/sql';
import { jobCredits } from '../ledger/credits';
import type { JobPaymentView } from '../protocol/api-types';
import { InvalidRequestError, UnavailableError } from '../protocol/errors';
import type { JobSpec } from '../protocol/job-spec';
import { jobPixelSamples } from '../protocol/tiles';
import { chainJobId, chainJobKey, costOfPlan, formatEther } from './pricing';

/** A deposit must stay locked this long, so the requestor cannot take it back before contributors are paid. */
export const MIN_DEPOSIT_LIFETIME_SECONDS = 7 * 24 * 3600;

export interface JobPaymentPlan {
  /** The address that deposits; the escrow's job id is derived from it and the job's key. */
  requestor: Address;
  chainJobId: `0x${string}`;
  priceWei: bigint;
  budgetWei: bigint;
}

/** What a job's deposit must cover: its own pixel-samples at the price, plus verification. */
export function costOf(spec: JobSpec, priceWei: bigint) {
  return costOfPlan(
    {
      pixelSamples: jobPixelSamples(spec),
      confidence: spec.confidence ?? 0.999,
      tileSize: spec.tileSize,
    },
    priceWei,
  );
}

/**
 * Checks a new job's budget against what it costs. No budget: an unpaid (volunteer) job. A budget needs a
 * coordinator with payments, must cover the deposit, and comes with the requestor's address: the escrow job
 * the coordinator reads is `jobIdOf(requestor, key)`, which only that address can deposit into.
 */
export function planJobPayment(
  ctx: CoordinatorContext,
  jobId: string,
  spec: JobSpec,
  budgetWei: string | undefined,
  requestor?: string,
): JobPaymentPlan | null {
  if (budgetWei === undefined) {
    if (requestor !== undefined) {
      throw new InvalidRequestError('Only a paid job has a requestor', {
        metaMessages: ['Leave out requestor for an unpaid job, or give a budgetWei.'],
      });
    }
    return null;
  }
  if (!ctx.payments) {
    throw new InvalidRequestError('This coordinator takes no payments, so a job cannot have a budget', {
      metaMessages: [
        'Leave out budgetWei to render for free, or run a coordinator with a chain (npm start has one).',
      ],
    });
  }
  const priceWei = ctx.payments.priceWeiPerPixelSample;
  const budget = BigInt(budgetWei);
  const { depositWei } = costOf(spec, priceWei);
  if (budget < depositWei) {
    throw new InvalidRequestError(
      `The budget (${formatEther(budget)}) is below the deposit this job needs (${formatEther(depositWei)})`,
      {
        metaMessages: [
          `Set budgetWei to at least ${depositWei}; what verified work does not use is refunded.`,
          'Or lower the resolution, samples per pixel or confidence.',
        ],
        details: { budgetWei: budget.toString(), depositWei: depositWei.toString() },
      },
    );
  }
  if (requestor === undefined) {
    throw new InvalidRequestError('A paid job needs its requestor: the address that deposits', {
      metaMessages: [
        'Set requestor to the wallet address you deposit from; only that address can fund this job.',
      ],
    });
  }
  const address = getAddress(requestor);
  return { requestor: address, chainJobId: chainJobId(jobId, address), priceWei, budgetWei: budget };
}

export async function insertJobPayment(tx: SqlExecutor, jobId: string, plan: JobPaymentPlan): Promise<void> {
  await tx.query(
    `INSERT INTO job_payments (job_id, chain_job_id, requestor, price_wei, budget_wei, state)
     VALUES ($1, $2, $3, $4, $5, 'awaiting-deposit')`,
    [jobId, plan.chainJobId, plan.requestor, plan.priceWei.toString(), plan.budgetWei.toString()],
  );
}

interface JobPaymentRow {
  job_id: string;
  chain_job_id: `0x${string}`;
  price_wei: string;
  budget_wei: string;
  state: JobPaymentView['state'];
  requestor: `0x${string}` | null;
  deposited_wei: string;
  expires_at: string | number | null;
  settled_wei: string;
}

/** Payment views of the given jobs (absent for unpaid ones). */
export async function jobPaymentViews(
  db: SqlExecutor,
  jobs: { id: string; spec: JobSpec }[],
): Promise<Map<string, JobPaymentView>> {
  if (jobs.length === 0) return new Map();
  const rows = await db.query<JobPaymentRow>(
    'SELECT p.* FROM job_payments p WHERE p.job_id = ANY ($1::text[])',
    [jobs.map((j) => j.id)],
  );
  const open = await db.query<{
    job_id: string;
    onchain_id: string | number;
    state: 'pending' | 'disputed';
    settled_wei: string;
    disputable_until: string | number;
    closes: boolean;
  }>(
    `SELECT sj.job_id, s.onchain_id, s.state, sj.settled_wei, s.disputable_until, sj.closes
     FROM settlement_jobs sj JOIN settlements s ON s.id = sj.settlement_id
     WHERE s.state IN ('pending', 'disputed') AND sj.job_id = ANY ($1::text[])`,
    [jobs.map((j) => j.id)],
  );
  const openByJob = new Map(open.map((o) => [o.job_id, o]));
  const credited = await jobCredits(
    db,
    rows.map((r) => r.job_id),
  );
  const specs = new Map(jobs.map((j) => [j.id, j.spec]));
  return new Map(
    rows.map((row) => {
      const price = BigInt(row.price_wei);
      const spec = specs.get(row.job_id) as JobSpec;
      const view: JobPaymentView = {
        chainJobKey: chainJobKey(row.job_id),
        chainJobId: row.chain_job_id,
        state: row.state,
        priceWeiPerPixelSample: row.price_wei,
        budgetWei: row.budget_wei,
        estimateWei: costOf(spec, price).estimateWei.toString(),
        depositedWei: row.deposited_wei,
        requestor: row.requestor,
        settledWei: row.settled_wei,
        creditedWei: (BigInt(credited.get(row.job_id) ?? 0) * price).toString(),
        expiresAt: row.expires_at === null ? null : Number(row.expires_at),
        openSettlement: null,
      };
      const settlement = openByJob.get(row.job_id);
      if (settlement) {
        view.openSettlement = {
          settlementId: Number(settlement.onchain_id),
          state: settlement.state,
          settledWei: settlement.settled_wei,
          disputableUntil: Number(settlement.disputable_until),
          closes: settlement.closes,
        };
      }
      return [row.job_id, view];
    }),
  );
}

/**
 * Reads a paid job's deposit from the escrow and starts the job once the deposit covers its budget (and stays
 * locked long enough). Safe to call any number of times, from the requestor's tab and from the payments loop.
 * Only the requestor's deposit counts: the job's escrow id is derived from the requestor recorded when the
 * job was created, and the escrow job must name that requestor (anything else is refused, never credited).
 */
export async function syncJobDeposit(ctx: CoordinatorContext, jobId: string): Promise<boolean> {
  const payments = ctx.payments;
  if (!payments) return false;
  const [row] = await ctx.db.query<JobPaymentRow>('SELECT * FROM job_payments WHERE job_id = $1', [jobId]);
  if (row?.state !== 'awaiting-deposit' || !row.requestor) return false;
  if (row.chain_job_id !== chainJobId(jobId, row.requestor)) return false;
  const onchain = await payments.escrow.readJob(row.chain_job_id);
  if (!onchain.requestor || getAddress(onchain.requestor) !== getAddress(row.requestor)) return false;
  const lockedLongEnough = onchain.expiresAt * 1000 >= ctx.now() + MIN_DEPOSIT_LIFETIME_SECONDS * 1000 * 0.99;
  const funded = onchain.deposited >= BigInt(row.budget_wei) && lockedLongEnough && !onchain.refunded;
  const started = await ctx.db.transaction(async (tx) => {
    await tx.query(
      `UPDATE job_payments SET deposited_wei = $2, expires_at = $3,
         state = CASE WHEN $4 THEN 'funded' ELSE state END, funded_at = CASE WHEN $4 THEN $5 ELSE funded_at END
       WHERE job_id = $1 AND state = 'awaiting-deposit'`,
      [jobId, onchain.deposited.toString(), onchain.expiresAt, funded, ctx.now()],
    );
    if (!funded) return false;
    const updated = await tx.query(
      `UPDATE jobs SET status = 'rendering' WHERE id = $1 AND status = 'awaiting-deposit' RETURNING id`,
      [jobId],
    );
    return updated.length > 0;
  });
  if (started) ctx.onJobChanged(jobId);
  return started;
}

/** Jobs still waiting for their deposit (the payments loop polls them). */
export async function jobsAwaitingDeposit(db: SqlExecutor): Promise<string[]> {
  const rows = await db.query<{ job_id: string }>(
    `SELECT job_id FROM job_payments WHERE state = 'awaiting-deposit' ORDER BY job_id LIMIT 500`,
  );
  return rows.map((r) => r.job_id);
}

/**
 * POST /api/jobs/:id/deposit: the requestor's tab reports its deposit transaction. The coordinator waits for
 * it (when a hash is given) and reads the escrow; it never takes the tab's word for the amount.
 */
export async function confirmJobDeposit(
  ctx: CoordinatorContext,
  jobId: string,
  input: unknown,
): Promise<void> {
  const payments = ctx.payments;
  const [row] = await ctx.db.query<{ state: string }>('SELECT state FROM job_payments WHERE job_id = $1', [
    jobId,
  ]);
  if (!payments || !row) {
    throw new InvalidRequestError(`Job ${jobId} is not a paid job, so it takes no deposit`, {
      metaMessages: ['Unpaid jobs render without one; check the job id.'],
    });
  }
  const txHash = (input as { txHash?: unknown } | null)?.txHash;
  if (txHash !== undefined) {
    if (typeof txHash !== 'string' || !isHex(txHash) || txHash.length !== 66) {
      throw new InvalidRequestError('txHash must be a transaction hash (0x and 64 hex digits)');
    }
    const receipt = await payments.escrow.publicClient
      .waitForTransactionReceipt({ hash: txHash, timeout: 30_000 })
      .catch((error: unknown) => {
        throw new UnavailableError(
          'The deposit transaction is not mined yet, or the chain is not answering',
          {
            cause: error,
            metaMessages: ['The job starts by itself once the deposit is mined; this page keeps checking.'],
          },
        );
      });
    if (receipt.status !== 'success') {
      throw new InvalidRequestError('The deposit transaction reverted: nothing was deposited', {
        metaMessages: ['Deposit again; your wallet shows why it failed.'],
      });
    }
  }
  await syncJobDeposit(ctx, jobId);
}

/**
 * Marks jobs the requestor has taken back (refund) as refunded, so settlements stop listing them: a closed or
 * held job, or a funded one past its expiry (its requestor may refund it without waiting for the coordinator).
 */
export async function syncRefunds(ctx: CoordinatorContext): Promise<void> {
  const payments = ctx.payments;
  if (!payments) return;
  const rows = await ctx.db.query<{ job_id: string; chain_job_id: `0x${string}` }>(
    `SELECT job_id, chain_job_id FROM job_payments
     WHERE state IN ('closed', 'held') OR (state = 'funded' AND expires_at <= $1)
     ORDER BY job_id LIMIT 200`,
    [Math.floor(ctx.now() / 1000)],
  );
  for (const row of rows) {
    const onchain = await payments.escrow.readJob(row.chain_job_id);
    if (onchain.refunded) {
      await ctx.db.query(`UPDATE job_payments SET state = 'refunded' WHERE job_id = $1`, [row.job_id]);
    }
  }
}
