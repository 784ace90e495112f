import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { type Address, BaseError, ContractFunctionRevertedError, type Hex } from 'viem';
import type { CoordinatorContext, PaymentsContext } from '../coordinator/context';
import type { SqlExecutor } from '../coordinator/db/sql';
import {
  allocationsByAddress,
  creditWatermark,
  unboundCreditCounts,
  unmaturedCreditCounts,
} from '../ledger/credits';

/**
 * Settlements: the off-chain ledger (credits, fed only by verified work) turned into a Merkle root of
 * cumulative (address, amount) that the escrow pays claims against.
 *
 * A job's allocation is computed from its credits up to a watermark: each credit is worth its pixel-samples
 * at the job's price, taken in ledger order while the deposit lasts (credits of sessions without a payout
 * address still use up the deposit in their turn, so binding an address later never takes from anyone).
 * Allocations only grow, so leaves and per-job settled amounts only grow, as the contract requires.
 *
 * Lifecycle of a row: built (in the database) → posted (transaction sent, hash recorded) → pending (mined,
 * on-chain id known) → final | disputed → final | void. A crash at any step is recovered by `reconcile`.
 *
 * A dispute does not stop everyone else's payouts: the disputed job is held at once, and the next round
 * posts a settlement without it, which the escrow lets supersede the disputed one (void; the requestor's
 * bond goes back). With nothing else to settle, the dispute waits for the arbiter (or its expiry).
 */

export type SettlementState = 'built' | 'posted' | 'pending' | 'disputed' | 'final' | 'void' | 'failed';

const LEAF_ENCODING = ['address', 'uint256'];

export interface BuiltSettlement {
  watermark: number;
  leaves: Map<Address, bigint>;
  total: bigint;
  jobs: {
    jobId: string;
    chainJobId: Hex;
    settled: bigint;
    closes: boolean;
    allocations: Map<Address, bigint>;
  }[];
}

/** A contributor's jobs are "closed" once done and every credit's session has an address, or after this grace. */
export const CLOSE_GRACE_MS = 24 * 3600 * 1000;

export function merkleTree(leaves: Map<Address, bigint>) {
  return StandardMerkleTree.of(
    [...leaves].map(([address, amount]) => [address, amount.toString()]),
    LEAF_ENCODING,
  );
}

/** The last settlement the escrow made final, or null. */
async function lastFinal(db: SqlExecutor): Promise<{ id: number; total: bigint } | null> {
  const [row] = await db.query<{ id: string | number; total_wei: string }>(
    `SELECT id, total_wei FROM settlements WHERE state = 'final' ORDER BY id DESC LIMIT 1`,
  );
  return row ? { id: Number(row.id), total: BigInt(row.total_wei) } : null;
}

/**
 * What the next settlement would be, or null when it would change nothing. Reads only: the caller stores it.
 */
export async function buildSettlement(ctx: CoordinatorContext): Promise<BuiltSettlement | null> {
  const db = ctx.db;
  const watermark = await creditWatermark(db);
  const base = await lastFinal(db);

  const leaves = new Map<Address, bigint>();
  if (base) {
    const rows = await db.query<{ address: Address; cumulative_wei: string }>(
      'SELECT address, cumulative_wei FROM settlement_leaves WHERE settlement_id = $1',
      [base.id],
    );
    for (const row of rows) leaves.set(row.address, BigInt(row.cumulative_wei));
  }

  const active = await db.query<{
    job_id: string;
    chain_job_id: Hex;
    settled_wei: string;
    done: boolean;
    completed_at: string | number | null;
  }>(
    // A cancelled job ends like a finished one once the work handed out before the cancel is decided
    // (lib/work/job-control.ts): no unit of it still leased or verifying.
    `SELECT p.job_id, p.chain_job_id, p.settled_wei, j.completed_at,
       j.status = 'done' OR (j.status = 'cancelled' AND NOT EXISTS (
         SELECT 1 FROM units u WHERE u.job_id = j.id
           AND (u.state = 'verifying' OR (u.state = 'leased' AND u.lease_expires_at > $1)))) AS done
     FROM job_payments p JOIN jobs j ON j.id = p.job_id
     WHERE p.state = 'funded' ORDER BY p.job_id`,
    [ctx.now()],
  );
  if (active.length === 0) return null;

  const jobIds = active.map((j) => j.job_id);
  const unbound = await unboundCreditCounts(db, jobIds);
  const unmatured = await unmaturedCreditCounts(db, jobIds, ctx.now());
  const allocationRows = await allocationsByAddress(db, jobIds, watermark, ctx.now());
  // The previous final allocation of each active job: leaves move by the difference.
  const previousRows = base
    ? await db.query<{ job_id: string; address: Address; amount_wei: string }>(
        `SELECT DISTINCT ON (sa.job_id, sa.address) sa.job_id, sa.address, sa.amount_wei
         FROM settlement_allocations sa JOIN settlements s ON s.id = sa.settlement_id
         WHERE s.state = 'final' AND sa.job_id = ANY ($1::text[])
         ORDER BY sa.job_id, sa.address, sa.settlement_id DESC`,
        [active.map((j) => j.job_id)],
      )
    : [];
  const byJob = <T extends { job_id: string; address: Address }>(rows: T[], amount: (row: T) => string) => {
    const map = new Map<string, Map<Address, bigint>>();
    for (const row of rows) {
      const job = map.get(row.job_id) ?? new Map<Address, bigint>();
      job.set(row.address, BigInt(amount(row)));
      map.set(row.job_id, job);
    }
    return map;
  };
  const allocations = byJob(
    allocationRows.map((r) => ({ job_id: r.jobId, address: r.address, amount: r.amountWei.toString() })),
    (r) => r.amount,
  );
  const previous = byJob(previousRows, (r) => r.amount_wei);

  const jobs: BuiltSettlement['jobs'] = [];
  let total = base?.total ?? 0n;
  for (const job of active) {
    const now = allocations.get(job.job_id) ?? new Map<Address, bigint>();
    const before = previous.get(job.job_id) ?? new Map<Address, bigint>();
    let settled = 0n;
    for (const [address, amount] of now) {
      const delta = amount - (before.get(address) ?? 0n);
      // Cannot happen (allocations only grow); refuse to post rather than take from anyone.
      if (delta < 0n) throw new Error(`allocation of ${address} in job ${job.job_id} would shrink`);
      if (delta > 0n) leaves.set(address, (leaves.get(address) ?? 0n) + delta);
      settled += amount;
    }
    const previouslySettled = BigInt(job.settled_wei);
    const graceOver = job.completed_at !== null && ctx.now() - Number(job.completed_at) >= CLOSE_GRACE_MS;
    // Not while credit may still mature (an audit window is open): closing refunds the rest of the deposit.
    const closes =
      job.done &&
      (unmatured.get(job.job_id) ?? 0) === 0 &&
      ((unbound.get(job.job_id) ?? 0) === 0 || graceOver);
    if (settled === previouslySettled && !closes) continue;
    total += settled - previouslySettled;
    jobs.push({ jobId: job.job_id, chainJobId: job.chain_job_id, settled, closes, allocations: now });
  }
  if (jobs.length === 0 || leaves.size === 0) return null;
  return { watermark, leaves, total, jobs };
}

/** Stores a built settlement as 'built' and returns its row id. */
async function storeSettlement(ctx: CoordinatorContext, built: BuiltSettlement, root: Hex): Promise<number> {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<{ id: string | number }>(
      `INSERT INTO settlements (root, total_wei, credit_watermark, state, created_at) VALUES ($1, $2, $3, 'built', $4)
       RETURNING id`,
      [root, built.total.toString(), built.watermark, ctx.now()],
    );
    const id = Number(row?.id);
    const leaves = [...built.leaves];
    await tx.query(
      `INSERT INTO settlement_leaves (settlement_id, address, cumulative_wei)
       SELECT $1, l.address, l.amount::numeric FROM unnest($2::text[], $3::text[]) AS l(address, amount)`,
      [id, leaves.map(([a]) => a), leaves.map(([, v]) => v.toString())],
    );
    for (const job of built.jobs) {
      await tx.query(
        'INSERT INTO settlement_jobs (settlement_id, job_id, settled_wei, closes) VALUES ($1, $2, $3, $4)',
        [id, job.jobId, job.settled.toString(), job.closes],
      );
      const allocations = [...job.allocations];
      await tx.query(
        `INSERT INTO settlement_allocations (settlement_id, job_id, address, amount_wei)
         SELECT $1, $2, a.address, a.amount::numeric FROM unnest($3::text[], $4::text[]) AS a(address, amount)`,
        [id, job.jobId, allocations.map(([a]) => a), allocations.map(([, v]) => v.toString())],
      );
    }
    return id;
  });
}

async function setState(
  db: SqlExecutor,
  id: number,
  state: SettlementState,
  extra: Record<string, unknown> = {},
) {
  const columns = Object.keys(extra);
  await db.query(
    `UPDATE settlements SET state = $2${columns.map((c, i) => `, ${c} = $${i + 3}`).join('')} WHERE id = $1`,
    [id, state, ...Object.values(extra)],
  );
}

/**
 * Brings every unfinished settlement row in line with the chain: adopts a transaction that was sent before a
 * crash, records final, disputed and void outcomes, and applies what a final settlement settled and closed.
 */
export async function reconcile(ctx: CoordinatorContext, payments: PaymentsContext): Promise<void> {
  const escrow = payments.escrow;
  await adoptUnrecordedSettlements(ctx, payments);
  const open = await ctx.db.query<{
    id: string | number;
    state: SettlementState;
    tx_hash: Hex | null;
    onchain_id: string | number | null;
    created_at: string | number;
  }>(
    `SELECT id, state, tx_hash, onchain_id, created_at FROM settlements
     WHERE state IN ('built', 'posted', 'pending', 'disputed') ORDER BY id`,
  );
  for (const row of open) {
    const id = Number(row.id);
    if (row.onchain_id === null) {
      if (row.tx_hash) await recordReceipt(ctx, payments, id, row.tx_hash);
      else if (ctx.now() - Number(row.created_at) > UNSENT_AFTER_MS) {
        // Never seen on chain: it was not sent (or never mined). A later round builds a new one, and should
        // this one appear after all, adoptUnrecordedSettlements takes it back by its root.
        await setState(ctx.db, id, 'failed', { error: 'not seen on chain' });
      }
      continue;
    }
    const status = await escrow.statusOf(BigInt(row.onchain_id));
    if (status === 'final') {
      // Upheld by the arbiter after a dispute: the job held for it takes settlements again.
      const upheldJob = row.state === 'disputed' ? await escrow.disputedJobOf(BigInt(row.onchain_id)) : null;
      await finalize(ctx, id, upheldJob);
    } else if (status === 'disputed' && row.state !== 'disputed')
      await disputed(ctx, payments, id, BigInt(row.onchain_id));
    else if (status === 'void') await voidSettlement(ctx, payments, id, BigInt(row.onchain_id));
  }
}

/** How long a settlement may stay 'built' without a transaction hash before it counts as never sent. */
const UNSENT_AFTER_MS = 120_000;

/**
 * Settlements on chain that the database has no id for (the process died, or an RPC error came back, after
 * the transaction went out) are matched to their row by root, so the ledger and the chain never disagree on
 * what was settled.
 */
async function adoptUnrecordedSettlements(ctx: CoordinatorContext, payments: PaymentsContext) {
  const [known] = await ctx.db.query<{ n: string | number | null }>(
    'SELECT max(onchain_id) AS n FROM settlements',
  );
  const count = await payments.escrow.settlementCount();
  for (let n = BigInt(known?.n ?? 0) + 1n; n <= count; n++) {
    const root = await payments.escrow.settlementRoot(n);
    const [row] = await ctx.db.query<{ id: string | number }>(
      'SELECT id FROM settlements WHERE root = $1 AND onchain_id IS NULL ORDER BY id DESC LIMIT 1',
      [root],
    );
    if (!row) {
      throw new Error(
        `settlement ${n} on chain (root ${root}) is not in this coordinator's ledger: is another coordinator using its key?`,
      );
    }
    await recordPosted(ctx, payments, Number(row.id), n, null);
  }
}

async function recordReceipt(ctx: CoordinatorContext, payments: PaymentsContext, id: number, hash: Hex) {
  const receipt = await payments.escrow.settlementReceipt(hash);
  if (!receipt.ok) {
    await setState(ctx.db, id, 'failed', { error: receipt.reason });
    return;
  }
  await recordPosted(ctx, payments, id, receipt.settlementId, receipt.postedAt);
}

async function recordPosted(
  ctx: CoordinatorContext,
  payments: PaymentsContext,
  id: number,
  onchainId: bigint,
  postedAt: number | null,
) {
  const window = await payments.escrow.challengeWindowSeconds();
  const at = postedAt ?? Math.floor(ctx.now() / 1000);
  await setState(ctx.db, id, 'pending', {
    onchain_id: onchainId.toString(),
    posted_at: at,
    disputable_until: at + window,
  });
}

/**
 * A final settlement: each job it touched is settled to its amount, and closed where it said so. A job held
 * because of a dispute the arbiter then upheld (`upheldJob`) is released first.
 */
async function finalize(ctx: CoordinatorContext, id: number, upheldJob: Hex | null = null) {
  await ctx.db.transaction(async (tx) => {
    await setState(tx, id, 'final');
    if (upheldJob) {
      await tx.query(`UPDATE job_payments SET state = 'funded' WHERE chain_job_id = $1 AND state = 'held'`, [
        upheldJob,
      ]);
    }
    await tx.query(
      `UPDATE job_payments p SET settled_wei = sj.settled_wei,
         state = CASE WHEN sj.closes AND p.state = 'funded' THEN 'closed' ELSE p.state END
       FROM settlement_jobs sj WHERE sj.settlement_id = $1 AND sj.job_id = p.job_id`,
      [id],
    );
  });
}

/**
 * A disputed settlement ended void (voided by the arbiter, expired, or superseded by a later one): the
 * disputed job is held (no more settlements) until resolved off-chain.
 */
async function voidSettlement(
  ctx: CoordinatorContext,
  payments: PaymentsContext,
  id: number,
  onchainId: bigint,
) {
  const disputedJob = await payments.escrow.disputedJobOf(onchainId);
  await ctx.db.transaction(async (tx) => {
    await setState(tx, id, 'void');
    await tx.query(`UPDATE job_payments SET state = 'held' WHERE chain_job_id = $1 AND state = 'funded'`, [
      disputedJob,
    ]);
  });
}

/**
 * A requestor disputed a settlement: its job is held now, so that the next settlement leaves it out and
 * supersedes the disputed one rather than wait for the arbiter with everyone else's payouts.
 */
async function disputed(ctx: CoordinatorContext, payments: PaymentsContext, id: number, onchainId: bigint) {
  const disputedJob = await payments.escrow.disputedJobOf(onchainId);
  await ctx.db.transaction(async (tx) => {
    await setState(tx, id, 'disputed');
    await tx.query(`UPDATE job_payments SET state = 'held' WHERE chain_job_id = $1 AND state = 'funded'`, [
      disputedJob,
    ]);
  });
}

export type SettleOutcome =
  | {
      posted: true;
      settlementId: number;
      onchainId: bigint | null;
      total: bigint;
      jobs: number;
      leaves: number;
    }
  | { posted: false; reason: 'open-settlement' | 'nothing-new' | 'failed'; error?: string };

/**
 * One round of the settlement loop: reconcile, then post the next settlement if the chain has none open
 * (or only a disputed one, which the new settlement supersedes) and verified work changed what is owed.
 */
export async function settle(ctx: CoordinatorContext, payments: PaymentsContext): Promise<SettleOutcome> {
  await reconcile(ctx, payments);
  const [open] = await ctx.db.query(
    `SELECT id FROM settlements WHERE state IN ('built', 'posted', 'pending') LIMIT 1`,
  );
  if (open) return { posted: false, reason: 'open-settlement' };
  const built = await buildSettlement(ctx);
  if (!built) return { posted: false, reason: 'nothing-new' };
  const tree = merkleTree(built.leaves);
  const root = tree.root as Hex;
  const id = await storeSettlement(ctx, built, root);
  let hash: Hex;
  try {
    hash = await payments.escrow.sendSettlement({
      root,
      total: built.total,
      jobIds: built.jobs.map((j) => j.chainJobId),
      jobSettled: built.jobs.map((j) => j.settled),
      closes: built.jobs.map((j) => j.closes),
    });
  } catch (error) {
    const message =
      error instanceof Error
        ? ((error as { shortMessage?: string }).shortMessage ?? error.message)
        : String(error);
    // A refusal in simulation sent nothing: the row fails now. Any other error leaves it 'built': the
    // transaction may have gone out, and later rounds find it on chain by its root (or, after
    // UNSENT_AFTER_MS unseen, give up on it), so no second settlement is built while one may be in flight.
    const refused =
      error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError) !== null;
    await setState(ctx.db, id, refused ? 'failed' : 'built', { error: message.slice(0, 2000) });
    return { posted: false, reason: 'failed', error: message };
  }
  await setState(ctx.db, id, 'posted', { tx_hash: hash });
  await recordReceipt(ctx, payments, id, hash);
  const [row] = await ctx.db.query<{ onchain_id: string | null }>(
    'SELECT onchain_id FROM settlements WHERE id = $1',
    [id],
  );
  return {
    posted: true,
    settlementId: id,
    onchainId: row?.onchain_id ? BigInt(row.onchain_id) : null,
    total: built.total,
    jobs: built.jobs.length,
    leaves: built.leaves.size,
  };
}
