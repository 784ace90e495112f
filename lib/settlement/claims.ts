import { type Address, getAddress, type Hex, isAddress } from 'viem';
import type { CoordinatorContext, PaymentsContext } from '../coordinator/context';
import { addressCreditsByJob } from '../ledger/credits';
import type { ClaimsView } from '../protocol/api-types';
import { InvalidRequestError, UnavailableError } from '../protocol/errors';
import { relayOffer } from './relay-offer';
import { merkleTree, type SettlementState } from './settlement';

/** Trees of final settlements by root, rebuilt from their leaves once per process (a root fixes its leaves). */
const trees = new Map<string, ReturnType<typeof merkleTree>>();

async function treeOf(ctx: CoordinatorContext, settlementId: number, root: string) {
  let tree = trees.get(root);
  if (!tree) {
    const rows = await ctx.db.query<{ address: Address; cumulative_wei: string }>(
      'SELECT address, cumulative_wei FROM settlement_leaves WHERE settlement_id = $1',
      [settlementId],
    );
    tree = merkleTree(new Map(rows.map((r) => [r.address, BigInt(r.cumulative_wei)])));
    if (tree.root !== root) throw new Error(`settlement ${settlementId}: its leaves do not give its root`);
    trees.set(root, tree);
  }
  return tree;
}

/** The claim call for `address`'s leaf in final settlement `settlementId` (its proof from the stored leaves). */
async function claimCall(
  ctx: CoordinatorContext,
  settlementId: number,
  root: string,
  address: Address,
  final: { onchain_id: string | number | null; cumulative_wei: string },
): Promise<ClaimsView['claim']> {
  const tree = await treeOf(ctx, settlementId, root);
  for (const [index, [leafAddress]] of tree.entries()) {
    if (leafAddress === address) {
      return {
        settlementId: Number(final.onchain_id),
        cumulativeWei: final.cumulative_wei,
        proof: tree.getProof(index) as Hex[],
      };
    }
  }
  return null;
}

/**
 * What `address` can claim now: the call with its proof against the latest final settlement that holds its
 * leaf, and the amount it pays (cumulative − claimed on chain); null when nothing is claimable.
 */
export async function currentClaim(
  ctx: CoordinatorContext,
  payments: PaymentsContext,
  address: Address,
): Promise<{ call: NonNullable<ClaimsView['claim']>; amount: bigint } | null> {
  const [final] = await ctx.db.query<{
    id: string | number;
    onchain_id: string | number | null;
    cumulative_wei: string;
    root: string;
  }>(
    `SELECT s.id, s.onchain_id, s.root, l.cumulative_wei
     FROM settlement_leaves l JOIN settlements s ON s.id = l.settlement_id
     WHERE l.address = $1 AND s.state = 'final' ORDER BY s.id DESC LIMIT 1`,
    [address],
  );
  if (!final) return null;
  const claimed = await payments.escrow.claimed(address);
  const cumulative = BigInt(final.cumulative_wei);
  if (cumulative <= claimed) return null;
  const call = await claimCall(ctx, Number(final.id), final.root, address, final);
  return call ? { call, amount: cumulative - claimed } : null;
}

/** GET /api/claims/:address: pending, claimable and claimed amounts, the proof to claim, and history. */
export async function claimsView(ctx: CoordinatorContext, rawAddress: string): Promise<ClaimsView> {
  if (!isAddress(rawAddress, { strict: false })) {
    throw new InvalidRequestError(`${rawAddress.slice(0, 80)} is not an Ethereum address`, {
      metaMessages: ['Use 0x followed by 40 hex digits, or connect your wallet on the claims page.'],
    });
  }
  const payments = ctx.payments;
  if (!payments) {
    throw new InvalidRequestError('This coordinator takes no payments', {
      metaMessages: ['Run a coordinator with a chain (npm start has one).'],
    });
  }
  const address = getAddress(rawAddress);

  const [sessions] = await ctx.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM payout_addresses WHERE address = $1',
    [address],
  );
  const jobs = await addressCreditsByJob(ctx.db, address, 200);
  const settlements = await ctx.db.query<{
    id: string | number;
    onchain_id: string | number | null;
    state: SettlementState;
    cumulative_wei: string;
    posted_at: string | number | null;
    disputable_until: string | number | null;
    tx_hash: string | null;
    root: string;
  }>(
    `SELECT s.id, s.onchain_id, s.state, s.root, l.cumulative_wei, s.posted_at, s.disputable_until, s.tx_hash
     FROM settlement_leaves l JOIN settlements s ON s.id = l.settlement_id
     WHERE l.address = $1 ORDER BY s.id DESC LIMIT 100`,
    [address],
  );
  const final = settlements.find((s) => s.state === 'final');
  const finalCumulative = final ? BigInt(final.cumulative_wei) : 0n;

  let claimed: bigint;
  try {
    claimed = await payments.escrow.claimed(address);
  } catch (error) {
    throw new UnavailableError('The chain is not answering, so claimed amounts are unknown right now', {
      cause: error,
      metaMessages: ['Try again in a minute.'],
    });
  }
  // Credit is capped per job by its deposit; what a job could not pay for is not owed, so bound pending by it.
  const credited = jobs.reduce((sum, j) => sum + BigInt(j.creditedWei), 0n);
  const pending = credited > finalCumulative ? credited - finalCumulative : 0n;
  const claimable = finalCumulative > claimed ? finalCumulative - claimed : 0n;

  const claim =
    final && claimable > 0n ? await claimCall(ctx, Number(final.id), final.root, address, final) : null;
  const relay = payments.relay ? await relayOffer(payments, claim ? claimable : 0n) : null;
  return {
    address,
    pendingWei: pending.toString(),
    claimableWei: claimable.toString(),
    claimedWei: claimed.toString(),
    claim,
    relay,
    sessions: sessions?.n ?? 0,
    settlements: settlements.map((s) => ({
      settlementId: s.onchain_id === null ? null : Number(s.onchain_id),
      state: s.state,
      cumulativeWei: s.cumulative_wei,
      postedAt: s.posted_at === null ? null : Number(s.posted_at),
      disputableUntil: s.disputable_until === null ? null : Number(s.disputable_until),
      txHash: s.tx_hash,
    })),
    jobs: jobs.map((j) => ({
      jobId: j.jobId,
      creditedWei: j.creditedWei,
      pixelSamples: Number(j.pixelSamples),
    })),
  };
}
