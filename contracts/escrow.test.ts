// LumengridEscrow against a real anvil chain: unit tests of every rule, re-entrancy attacks from a contract,
// a fuzz test of whole payout rounds and a model-based invariant test of random action sequences.
// One anvil per file; every test runs on an `evm_snapshot` that is reverted afterwards, and each fast-check
// run reverts its own snapshot, so nothing leaks between tests or runs. Block time is deterministic (see
// harness.ts): the next transaction runs at `now() + 1`, which lets the model predict every revert exactly.
import fc from 'fast-check';
import { type Address, getAddress, type Hex, parseEventLogs } from 'viem';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lumengridEscrowAbi } from '../lib/chain/artifacts/lumengrid-escrow';
import { reentrantClaimerAbi, reentrantClaimerBytecode } from '../lib/chain/artifacts/reentrant-claimer';
import { relayedClaimTypedData } from '../lib/settlement/relayed-claim';
import {
  type Actor,
  at,
  buildTree,
  type CreditTree,
  decodeEscrowError,
  type EscrowChain,
  escrowWrite,
  idOf,
  jobKey,
  type Leaf,
  reverts,
  startEscrowChain,
  verifyLeaf,
  type WriteResult,
  write,
} from './test/harness';

const W = 3600n; // challenge window, seconds
const A = 2n * W; // arbitration window, seconds
const ETH = 10n ** 18n;
const BOND = ETH / 10n; // dispute bond
const abi = lumengridEscrowAbi;

let c: EscrowChain;
let alice: Actor; // requestor
let bob: Actor; // requestor
let carol: Actor; // requestor
let outsider: Actor;
let relayer: Actor; // submits claims for contributors, so their balance rises by exactly what they are paid
let workers: Actor[]; // contributors, unfunded: they never send a transaction
let w0: Actor; // w0…w5: the first six by name
let w1: Actor;
let w2: Actor;
let w3: Actor;
let w4: Actor;
let w5: Actor;
let snapshot: Hex;

beforeAll(async () => {
  c = await startEscrowChain({
    challengeWindowSeconds: Number(W),
    arbitrationWindowSeconds: Number(A),
    disputeBondWei: BOND,
  });
  alice = await c.newActor();
  bob = await c.newActor();
  carol = await c.newActor();
  outsider = await c.newActor();
  relayer = await c.newActor();
  workers = await Promise.all(Array.from({ length: 8 }, () => c.newActor(0n)));
  w0 = at(workers, 0);
  w1 = at(workers, 1);
  w2 = at(workers, 2);
  w3 = at(workers, 3);
  w4 = at(workers, 4);
  w5 = at(workers, 5);
}, 30_000);
afterAll(async () => {
  await c?.stop();
});
beforeEach(async () => {
  snapshot = await c.snapshot();
});
afterEach(async () => {
  await c.revert(snapshot);
  owners.clear();
});

// ─── helpers ─────────────────────────────────────────────────────────────────────────────────────────────

interface JobSettle {
  id: Hex;
  settled: bigint;
  closes?: boolean;
}

/**
 * Tests name jobs by their key (`jobKey('render-1')`). The escrow's id of a job is `jobIdOf(requestor, key)`:
 * `deposit` records who first deposited under a key through it, and the helpers below turn a key into the id
 * of that requestor's job (a key nobody deposited under stays as it is: an unknown job). Tests about whose
 * job a deposit lands in use `idOf` explicitly.
 */
const owners = new Map<Hex, { address: Address }>();
const id = (key: Hex): Hex => {
  const owner = owners.get(key);
  return owner ? idOf(owner, key) : key;
};

const balance = (address: Address) => c.publicClient.getBalance({ address });
const escrowBalance = () => balance(c.escrow);

async function jobOf(job: Hex) {
  const [requestor, deposited, settled, expiresAt, closed, refunded, pendingIn] =
    await c.publicClient.readContract({ address: c.escrow, abi, functionName: 'jobOf', args: [id(job)] });
  return { requestor, deposited, settled, expiresAt, closed, refunded, pendingIn };
}
const claimedOf = (account: Address) =>
  c.publicClient.readContract({ address: c.escrow, abi, functionName: 'claimed', args: [account] });
const totalClaimed = () =>
  c.publicClient.readContract({ address: c.escrow, abi, functionName: 'totalClaimed' });
async function latestFinal() {
  const [id, root, total] = await c.publicClient.readContract({
    address: c.escrow,
    abi,
    functionName: 'latestFinalSettlement',
  });
  return { id, root, total };
}
const settlementCount = () =>
  c.publicClient.readContract({ address: c.escrow, abi, functionName: 'settlementCount' });
async function statusOf(settlementId: bigint) {
  return c.publicClient.readContract({
    address: c.escrow,
    abi,
    functionName: 'statusOf',
    args: [settlementId],
  });
}
const read = (functionName: 'bondsHeld' | 'forfeitedBonds') =>
  c.publicClient.readContract({ address: c.escrow, abi, functionName });
const bondRefundOf = (account: Address) =>
  c.publicClient.readContract({ address: c.escrow, abi, functionName: 'bondRefunds', args: [account] });
const Status = { None: 0, Pending: 1, Disputed: 2, Final: 3, Void: 4 } as const;

async function deposit(who: Actor, key: Hex, value: bigint, expiresIn = 10n * W): Promise<WriteResult> {
  const expiresAt = (await c.now()) + expiresIn;
  const result = await escrowWrite(c, who, { functionName: 'deposit', args: [key, expiresAt], value });
  if (!owners.has(key)) owners.set(key, who);
  return result;
}

function postTx(jobs: JobSettle[], tree: CreditTree, total = tree.total, from = c.coordinator) {
  return escrowWrite(c, from, {
    functionName: 'postSettlement',
    args: [
      tree.root,
      total,
      jobs.map((j) => id(j.id)),
      jobs.map((j) => j.settled),
      jobs.map((j) => j.closes ?? false),
    ],
  });
}
/** Posts and returns the new settlement's id. */
async function post(jobs: JobSettle[], tree: CreditTree, total = tree.total): Promise<bigint> {
  await postTx(jobs, tree, total);
  return settlementCount();
}

function claimTx(account: Address, tree: CreditTree, by = relayer, amount = tree.amount(account)) {
  return escrowWrite(c, by, { functionName: 'claim', args: [account, amount, tree.proof(account)] });
}
const disputeTx = (who: Actor, settlementId: bigint, job: Hex, value = BOND) =>
  escrowWrite(c, who, { functionName: 'dispute', args: [settlementId, id(job)], value });
const resolveTx = (settlementId: bigint, upheld: boolean, who = c.arbiter) =>
  escrowWrite(c, who, { functionName: 'resolveDispute', args: [settlementId, upheld] });
const expireTx = (settlementId: bigint, who = outsider) =>
  escrowWrite(c, who, { functionName: 'expireDispute', args: [settlementId] });
const withdrawBondTx = (who: Actor) => escrowWrite(c, who, { functionName: 'withdrawBond', args: [] });
const refundTx = (who: Actor, job: Hex) => escrowWrite(c, who, { functionName: 'refund', args: [id(job)] });

/** Runs `tx` and returns how much `account`'s balance changed, adding back the gas if `account` sent it. */
async function received(account: Address, tx: () => Promise<WriteResult>, paidGas = false): Promise<bigint> {
  const before = await balance(account);
  const { fee } = await tx();
  return (await balance(account)) - before + (paidGas ? fee : 0n);
}

const tree = (...leaves: [Actor, bigint][]) => buildTree(leaves.map(([a, v]): Leaf => [a.address, v]));

// ─── deposit ─────────────────────────────────────────────────────────────────────────────────────────────

describe('deposit', () => {
  it("the first deposit opens the caller's job jobIdOf(caller, key), holds the ETH and emits Deposited", async () => {
    const key = jobKey('render-1');
    const expiresAt = (await c.now()) + W;
    const { receipt } = await escrowWrite(c, alice, {
      functionName: 'deposit',
      args: [key, expiresAt],
      value: 3n * ETH,
    });
    const job = idOf(alice, key);
    const onchainId = await c.publicClient.readContract({
      address: c.escrow,
      abi,
      functionName: 'jobIdOf',
      args: [alice.address, key],
    });
    expect(onchainId).toBe(job); // the TypeScript derivation (lib/settlement/pricing.ts) is the contract's
    const [event] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'Deposited' });
    expect(event?.args).toEqual({
      jobId: job,
      requestor: alice.address,
      jobKey: key,
      amount: 3n * ETH,
      expiresAt,
    });
    const [requestor, deposited] = await c.publicClient.readContract({
      address: c.escrow,
      abi,
      functionName: 'jobOf',
      args: [job],
    });
    expect({ requestor, deposited }).toEqual({ requestor: alice.address, deposited: 3n * ETH });
    expect(await escrowBalance()).toBe(3n * ETH);
  });

  it('a 1-wei deposit under the same key from another account cannot squat the job: it opens its own', async () => {
    // Job keys are public (derived from the coordinator's job id); the id is not the key alone.
    const key = jobKey('render-1');
    await escrowWrite(c, bob, { functionName: 'deposit', args: [key, (await c.now()) + W], value: 1n });
    await deposit(alice, key, 2n * ETH, W);
    const later = (await c.now()) + 5n * W;
    await escrowWrite(c, alice, { functionName: 'deposit', args: [key, later], value: 2n * ETH });
    // A top-up with an earlier expiry keeps the later one.
    await escrowWrite(c, alice, { functionName: 'deposit', args: [key, 1n], value: ETH });
    expect(await jobOf(key)).toMatchObject({
      requestor: alice.address,
      deposited: 5n * ETH,
      expiresAt: later,
    });
    const squat = idOf(bob, key);
    expect(squat).not.toBe(idOf(alice, key));
    const [squatter, squatted] = await c.publicClient.readContract({
      address: c.escrow,
      abi,
      functionName: 'jobOf',
      args: [squat],
    });
    expect({ squatter, squatted }).toEqual({ squatter: bob.address, squatted: 1n });
    // Only Alice acts on her job; Bob's wei stays his (refundable once his own job expires).
    expect(await reverts(refundTx(bob, key))).toBe('NotJobRequestor');
  });

  it('a deposit of zero is refused (ZeroAmount)', async () => {
    expect(await reverts(deposit(alice, jobKey('render-1'), 0n))).toBe('ZeroAmount');
  });

  it('a first deposit whose expiry is not in the future is refused (JobExpiryInPast)', async () => {
    const job = jobKey('render-1');
    expect(await reverts(deposit(alice, job, ETH, -100n))).toBe('JobExpiryInPast');
    // Expiring in the very block it is mined in counts as the past too.
    expect(await reverts(deposit(alice, job, ETH, 1n))).toBe('JobExpiryInPast');
    await deposit(alice, job, ETH, 2n);
    expect((await jobOf(job)).requestor).toBe(alice.address);
  });

  it('amounts that do not fit 128 bits revert (SafeCastOverflowedUintDowncast) instead of truncating', async () => {
    const rich = await c.newActor(2n ** 130n);
    const job = jobKey('render-huge');
    // 2^128 wei truncated to uint128 is 0: without SafeCast the escrow would hold it and record nothing.
    expect(await reverts(deposit(rich, job, 2n ** 128n))).toBe('SafeCastOverflowedUintDowncast');
    await deposit(rich, job, 2n ** 127n);
    expect(await reverts(deposit(rich, job, 2n ** 127n))).toBe('SafeCastOverflowedUintDowncast');
    // Two jobs of 2^127 each fit, but a settlement total of 2^128 does not.
    const other = jobKey('render-huge-2');
    await deposit(rich, other, 2n ** 127n);
    const credits = tree([w0, 2n ** 128n]);
    const both = [
      { id: job, settled: 2n ** 127n },
      { id: other, settled: 2n ** 127n },
    ];
    expect(await reverts(postTx(both, credits))).toBe('SafeCastOverflowedUintDowncast');
    expect(await settlementCount()).toBe(0n);
    expect(await jobOf(job)).toMatchObject({ deposited: 2n ** 127n, pendingIn: 0n });
  });
});

// ─── roles ───────────────────────────────────────────────────────────────────────────────────────────────

describe('roles', () => {
  const hasRole = async (role: 'DEFAULT_ADMIN_ROLE' | 'COORDINATOR_ROLE' | 'ARBITER_ROLE', who: Actor) =>
    c.publicClient.readContract({
      address: c.escrow,
      abi,
      functionName: 'hasRole',
      args: [await c.publicClient.readContract({ address: c.escrow, abi, functionName: role }), who.address],
    });

  it("the admin is the constructor's admin, not the deployer; the coordinator key holds only COORDINATOR_ROLE", async () => {
    expect(await hasRole('DEFAULT_ADMIN_ROLE', c.admin)).toBe(true);
    expect(await hasRole('DEFAULT_ADMIN_ROLE', c.deployer)).toBe(false);
    expect(await hasRole('DEFAULT_ADMIN_ROLE', c.coordinator)).toBe(false);
    expect(await hasRole('ARBITER_ROLE', c.coordinator)).toBe(false);
    expect(await hasRole('COORDINATOR_ROLE', c.coordinator)).toBe(true);
    expect(await hasRole('ARBITER_ROLE', c.arbiter)).toBe(true);
    // So a leaked coordinator key cannot make itself arbiter.
    const arbiterRole = await c.publicClient.readContract({
      address: c.escrow,
      abi,
      functionName: 'ARBITER_ROLE',
    });
    const grant = escrowWrite(c, c.coordinator, {
      functionName: 'grantRole',
      args: [arbiterRole, c.coordinator.address],
    });
    expect(await reverts(grant)).toBe('AccessControlUnauthorizedAccount');
  });
});

// ─── postSettlement ──────────────────────────────────────────────────────────────────────────────────────

describe('postSettlement', () => {
  const job = jobKey('render-1');
  beforeEach(async () => {
    await deposit(alice, job, 10n * ETH);
  });

  it('only COORDINATOR_ROLE may post (AccessControlUnauthorizedAccount)', async () => {
    const credits = tree([w0, ETH]);
    for (const who of [outsider, alice, c.arbiter, c.deployer, c.admin]) {
      expect(await reverts(postTx([{ id: job, settled: ETH }], credits, ETH, who))).toBe(
        'AccessControlUnauthorizedAccount',
      );
    }
    expect(await settlementCount()).toBe(0n);
  });

  it('the total must be the final total plus the new per-job amounts (TotalMismatch)', async () => {
    const first = tree([w0, 2n * ETH], [w1, ETH]);
    const jobs = [{ id: job, settled: 3n * ETH }];
    expect(await reverts(postTx(jobs, first, 3n * ETH + 1n))).toBe('TotalMismatch');
    expect(await reverts(postTx(jobs, first, 3n * ETH - 1n))).toBe('TotalMismatch');
    await post(jobs, first);
    await c.warp(W);
    // The second settlement's total is cumulative: 3 (final) + 2 (new) = 5, not 2.
    const second = tree([w0, 3n * ETH], [w1, 2n * ETH]);
    const more = [{ id: job, settled: 5n * ETH }];
    expect(await reverts(postTx(more, second, 2n * ETH))).toBe('TotalMismatch');
    await post(more, second, 5n * ETH);
  });

  it('a job cannot be settled beyond its deposit (SettledBeyondDeposit)', async () => {
    const credits = tree([w0, 10n * ETH + 1n]);
    expect(await reverts(postTx([{ id: job, settled: 10n * ETH + 1n }], credits))).toBe(
      'SettledBeyondDeposit',
    );
    await post([{ id: job, settled: 10n * ETH }], tree([w0, 10n * ETH]));
  });

  it("a job's settled amount never decreases (SettledDecreased)", async () => {
    await post([{ id: job, settled: 5n * ETH }], tree([w0, 5n * ETH]));
    await c.warp(W);
    expect(await reverts(postTx([{ id: job, settled: 4n * ETH }], tree([w0, 5n * ETH]), 4n * ETH))).toBe(
      'SettledDecreased',
    );
    // Re-stating the same amount is fine (a settlement may close a job without new credit).
    await post([{ id: job, settled: 5n * ETH, closes: true }], tree([w0, 5n * ETH]));
  });

  it('a second settlement while one is pending is refused (SettlementStillOpen)', async () => {
    await post([{ id: job, settled: ETH }], tree([w0, ETH]));
    const next = tree([w0, 2n * ETH]);
    const jobs = [{ id: job, settled: 2n * ETH }];
    expect(await reverts(postTx(jobs, next))).toBe('SettlementStillOpen');
    await c.warp(W - 2n); // the next transaction runs one second before the window ends
    expect(await reverts(postTx(jobs, next))).toBe('SettlementStillOpen');
    await c.warp(1n);
    expect(await post(jobs, next)).toBe(2n);
  });

  it('a disputed settlement does not hold everyone else: the next one supersedes it (void, bond back)', async () => {
    const other = jobKey('render-2');
    await deposit(bob, other, 10n * ETH);
    const first = await post(
      [
        { id: job, settled: ETH },
        { id: other, settled: 3n * ETH },
      ],
      tree([w0, ETH], [w1, 3n * ETH]),
    );
    await disputeTx(alice, first, job);
    await c.warp(10n * W); // time alone never finalises a disputed settlement
    expect(await statusOf(first)).toBe(Status.Disputed);
    // The coordinator leaves the disputed job out and pays Bob's job's contributors on.
    const next = tree([w1, 3n * ETH]);
    const { receipt } = await postTx([{ id: other, settled: 3n * ETH }], next);
    const [superseded] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'SettlementSuperseded' });
    expect(superseded?.args).toEqual({ settlementId: first, bySettlementId: 2n });
    expect(await statusOf(first)).toBe(Status.Void);
    expect(await bondRefundOf(alice.address)).toBe(BOND);
    // Alice's job fell back to nothing settled and belongs to no open settlement.
    expect(await jobOf(job)).toMatchObject({ settled: 0n, pendingIn: 0n });
    await c.warp(W);
    expect(await received(w1.address, () => claimTx(w1.address, next))).toBe(3n * ETH);
    expect(await received(alice.address, () => withdrawBondTx(alice), true)).toBe(BOND);
    // A void settlement cannot be resolved or expired afterwards.
    expect(await reverts(resolveTx(first, true))).toBe('NotDisputed');
    expect(await reverts(expireTx(first))).toBe('NotDisputed');
  });

  it('unknown jobs (UnknownJob) and arrays of different lengths (LengthMismatch) are refused', async () => {
    const credits = tree([w0, ETH]);
    expect(await reverts(postTx([{ id: jobKey('nobody-paid'), settled: ETH }], credits))).toBe('UnknownJob');
    const lengthMismatch = escrowWrite(c, c.coordinator, {
      functionName: 'postSettlement',
      args: [credits.root, ETH, [id(job)], [ETH, ETH], [false]],
    });
    expect(await reverts(lengthMismatch)).toBe('LengthMismatch');
  });
});

// ─── claim ───────────────────────────────────────────────────────────────────────────────────────────────

describe('claim', () => {
  const job = jobKey('render-1');
  let credits: CreditTree;
  beforeEach(async () => {
    await deposit(alice, job, 10n * ETH);
    credits = tree([w0, 3n * ETH], [w1, 2n * ETH + 7n], [w2, 1n]);
    await post([{ id: job, settled: credits.total }], credits);
  });

  it('before the challenge window passes there is no final settlement to claim against (NoFinalSettlement)', async () => {
    expect(await reverts(claimTx(w0.address, credits))).toBe('NoFinalSettlement');
    await c.warp(W - 2n);
    expect(await reverts(claimTx(w0.address, credits))).toBe('NoFinalSettlement');
  });

  it('after the window a claim pays the account exactly its cumulative credit, whoever submits it', async () => {
    await c.warp(W - 1n); // the claim is mined exactly when the window ends
    const account = w1.address;
    const escrowBefore = await escrowBalance();
    let receipt: WriteResult['receipt'] | undefined;
    const got = await received(account, async () => {
      const result = await claimTx(account, credits);
      receipt = result.receipt;
      return result;
    });
    expect(got).toBe(2n * ETH + 7n);
    expect(escrowBefore - (await escrowBalance())).toBe(2n * ETH + 7n);
    expect(await claimedOf(account)).toBe(2n * ETH + 7n);
    expect(await totalClaimed()).toBe(2n * ETH + 7n);
    const [event] = parseEventLogs({ abi, logs: receipt?.logs ?? [], eventName: 'Claimed' });
    expect(event?.args).toEqual({
      account,
      amount: 2n * ETH + 7n,
      cumulative: 2n * ETH + 7n,
      settlementId: 1n,
    });
  });

  it('a second claim with the same proof pays nothing (NothingToClaim)', async () => {
    await c.warp(W);
    const account = w0.address;
    await claimTx(account, credits);
    expect(await reverts(claimTx(account, credits))).toBe('NothingToClaim');
    expect(await balance(account)).toBe(3n * ETH);
  });

  it('with cumulative roots a later claim pays only the difference', async () => {
    await c.warp(W);
    const account = w0.address;
    expect(await received(account, () => claimTx(account, credits))).toBe(3n * ETH);
    // Second settlement: worker 0 goes from 3 to 5 ETH cumulative, worker 3 joins with 1 ETH.
    const second = tree([w0, 5n * ETH], [w1, 2n * ETH + 7n], [w2, 1n], [w3, ETH]);
    await post([{ id: job, settled: second.total }], second);
    // Until the second one is final the first root still applies: nothing new to claim.
    expect(await reverts(claimTx(account, credits))).toBe('NothingToClaim');
    await c.warp(W);
    expect(await received(account, () => claimTx(account, second))).toBe(2n * ETH);
    expect(await claimedOf(account)).toBe(5n * ETH);
    // Someone who never claimed before gets all of it in one claim against the latest root.
    expect(await received(w1.address, () => claimTx(w1.address, second))).toBe(2n * ETH + 7n);
    // The old root no longer verifies.
    expect(await reverts(claimTx(w2.address, credits))).toBe('InvalidProof');
  });

  it('a wrong proof, a wrong amount or a proof from a settlement that is not final is refused (InvalidProof)', async () => {
    await c.warp(W);
    const account = w0.address;
    const wrongAmount = escrowWrite(c, relayer, {
      functionName: 'claim',
      args: [account, 3n * ETH + 1n, credits.proof(account)],
    });
    expect(await reverts(wrongAmount)).toBe('InvalidProof');
    const othersProof = escrowWrite(c, relayer, {
      functionName: 'claim',
      args: [account, 3n * ETH, credits.proof(w1.address)],
    });
    expect(await reverts(othersProof)).toBe('InvalidProof');
    // Someone else's leaf can't be redirected to another account.
    const stolen = escrowWrite(c, outsider, {
      functionName: 'claim',
      args: [outsider.address, 3n * ETH, credits.proof(account)],
    });
    expect(await reverts(stolen)).toBe('InvalidProof');
    const pending = tree([w0, 7n * ETH], [w1, 2n * ETH + 7n], [w2, 1n]);
    await post([{ id: job, settled: pending.total }], pending);
    expect(await reverts(claimTx(account, pending))).toBe('InvalidProof');
    expect(await totalClaimed()).toBe(0n);
  });

  it('claims never draw more than the final total, even when a root over-credits (ClaimsExceedSettled)', async () => {
    const job2 = jobKey('render-2');
    await deposit(bob, job2, 4n * ETH);
    await c.warp(W);
    // The coordinator states 1 ETH more for job 2 but credits 3 ETH to each of two workers: the leaves sum
    // to more than the total, which the contract can't see; the total caps what can leave.
    const greedy = buildTree([
      [w0.address, 3n * ETH],
      [w1.address, 2n * ETH + 7n],
      [w2.address, 1n],
      [w4.address, ETH],
      [w5.address, 3n * ETH],
    ]);
    const total = credits.total + ETH;
    await post([{ id: job2, settled: ETH }], greedy, total);
    await c.warp(W);
    for (const w of [0, 1, 2]) await claimTx(at(workers, w).address, greedy);
    await claimTx(w4.address, greedy);
    expect(await reverts(claimTx(w5.address, greedy))).toBe('ClaimsExceedSettled');
    expect(await totalClaimed()).toBe(total);
    // Bob's unsettled 3 ETH is still there for him.
    expect(await escrowBalance()).toBe(10n * ETH + 4n * ETH - (await totalClaimed()));
  });
});

// ─── disputes ────────────────────────────────────────────────────────────────────────────────────────────

describe('claimRelayed', () => {
  const job = jobKey('render-1');
  let credits: CreditTree;
  beforeEach(async () => {
    await deposit(alice, job, 10n * ETH);
    credits = tree([w0, 3n * ETH], [w1, 2n * ETH], [w2, 1n]);
    await post([{ id: job, settled: credits.total }], credits);
    await c.warp(W);
  });

  /** What the contributor `who` signs for free: `relayer` may send its claim and keep `fee`. */
  const sign = (who: Actor, cumulativeAmount: bigint, relayerAddress: Address, fee: bigint) =>
    who.signTypedData(
      relayedClaimTypedData(c.publicClient.chain.id, c.escrow, {
        account: who.address,
        cumulativeAmount,
        relayer: relayerAddress,
        fee,
      }),
    );
  const relayTx = (account: Address, amount: bigint, fee: bigint, signature: Hex, by = relayer) =>
    escrowWrite(c, by, {
      functionName: 'claimRelayed',
      args: [account, amount, credits.proof(account), fee, signature],
    });

  it('a contributor with 0 ETH is paid its claim minus the fee, and the relayer gets the fee', async () => {
    expect(await balance(w0.address)).toBe(0n);
    const fee = ETH / 100n;
    const signature = await sign(w0, 3n * ETH, relayer.address, fee);
    const escrowBefore = await escrowBalance();
    const relayerBefore = await balance(relayer.address);
    const { receipt, fee: gasPaid } = await relayTx(w0.address, 3n * ETH, fee, signature);
    expect(await balance(w0.address)).toBe(3n * ETH - fee);
    expect((await balance(relayer.address)) - relayerBefore + gasPaid).toBe(fee);
    expect(escrowBefore - (await escrowBalance())).toBe(3n * ETH);
    expect(await claimedOf(w0.address)).toBe(3n * ETH);
    const [relayed] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'ClaimRelayed' });
    expect(relayed?.args).toEqual({ account: w0.address, relayer: relayer.address, fee });
    const [claimed] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'Claimed' });
    expect(claimed?.args.amount).toBe(3n * ETH);
  });

  it('a second relay of the same signed claim pays nothing (NothingToClaim), nor does a plain claim', async () => {
    const signature = await sign(w0, 3n * ETH, relayer.address, 1000n);
    await relayTx(w0.address, 3n * ETH, 1000n, signature);
    expect(await reverts(relayTx(w0.address, 3n * ETH, 1000n, signature))).toBe('NothingToClaim');
    expect(await reverts(claimTx(w0.address, credits))).toBe('NothingToClaim');
    expect(await balance(w0.address)).toBe(3n * ETH - 1000n);
  });

  it('the signature binds account, amount, relayer and fee (InvalidRelaySignature)', async () => {
    const signature = await sign(w0, 3n * ETH, relayer.address, 1000n);
    // Another sender cannot take the fee the contributor granted the relayer.
    expect(await reverts(relayTx(w0.address, 3n * ETH, 1000n, signature, outsider))).toBe(
      'InvalidRelaySignature',
    );
    // Nor can the relayer raise its fee, or use w0's signature for w1's claim.
    expect(await reverts(relayTx(w0.address, 3n * ETH, 1001n, signature))).toBe('InvalidRelaySignature');
    expect(await reverts(relayTx(w1.address, 2n * ETH, 1000n, signature))).toBe('InvalidRelaySignature');
    // A signature made for another escrow (another domain) is refused too.
    const elsewhere = await w0.signTypedData(
      relayedClaimTypedData(c.publicClient.chain.id, outsider.address, {
        account: w0.address,
        cumulativeAmount: 3n * ETH,
        relayer: relayer.address,
        fee: 1000n,
      }),
    );
    expect(await reverts(relayTx(w0.address, 3n * ETH, 1000n, elsewhere))).toBe('InvalidRelaySignature');
    expect(await claimedOf(w0.address)).toBe(0n);
  });

  it('a fee above what the claim pays is refused (FeeExceedsClaim); a fee of the whole claim is allowed', async () => {
    const tooMuch = await sign(w2, 1n, relayer.address, 2n);
    expect(await reverts(relayTx(w2.address, 1n, 2n, tooMuch))).toBe('FeeExceedsClaim');
    const all = await sign(w2, 1n, relayer.address, 1n);
    await relayTx(w2.address, 1n, 1n, all);
    expect(await balance(w2.address)).toBe(0n);
    expect(await claimedOf(w2.address)).toBe(1n);
  });

  it('a relayer contract re-entering claimRelayed when its fee arrives gets the fee once', async () => {
    const hash = await outsider.deployContract({
      abi: reentrantClaimerAbi,
      bytecode: reentrantClaimerBytecode,
      args: [c.escrow],
    });
    const attacker = (await c.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 10 }))
      .contractAddress as Address;
    const fee = ETH / 10n;
    const signature = await sign(w1, 2n * ETH, getAddress(attacker), fee);
    await write(c, outsider, {
      address: attacker,
      abi: reentrantClaimerAbi,
      functionName: 'attackClaimRelayed',
      args: [w1.address, 2n * ETH, credits.proof(w1.address), fee, signature],
    });
    const read = c.publicClient.readContract;
    const at = { address: attacker, abi: reentrantClaimerAbi } as const;
    expect(await read({ ...at, functionName: 'received' })).toBe(fee);
    expect(await read({ ...at, functionName: 'payments' })).toBe(1n);
    expect(await read({ ...at, functionName: 'reentryAttempted' })).toBe(true);
    expect(await read({ ...at, functionName: 'reentrySucceeded' })).toBe(false);
    expect(decodeEscrowError(await read({ ...at, functionName: 'reentryError' }))).toBe(
      'ReentrancyGuardReentrantCall',
    );
    expect(await balance(w1.address)).toBe(2n * ETH - fee);
    expect(await claimedOf(w1.address)).toBe(2n * ETH);
  });
});

describe('disputes', () => {
  const job = jobKey('render-1');
  const job2 = jobKey('render-2');
  let first: CreditTree;
  beforeEach(async () => {
    await deposit(alice, job, 10n * ETH);
    await deposit(bob, job2, 10n * ETH);
    first = tree([w0, 2n * ETH]);
    await post([{ id: job, settled: 2n * ETH }], first);
    await c.warp(W);
    await claimTx(w0.address, first);
  });

  async function postSecond() {
    const second = tree([w0, 6n * ETH], [w1, ETH]);
    const id = await post([{ id: job, settled: 7n * ETH }], second);
    return { id, second };
  }

  it("only the job's requestor may dispute (NotJobRequestor), and only for a settlement of that job", async () => {
    const { id } = await postSecond();
    expect(await reverts(disputeTx(outsider, id, job))).toBe('NotJobRequestor');
    expect(await reverts(disputeTx(bob, id, job))).toBe('NotJobRequestor');
    // Bob's own job is not in this settlement.
    expect(await reverts(disputeTx(bob, id, job2))).toBe('NotDisputable');
    await disputeTx(alice, id, job);
    expect(await statusOf(id)).toBe(Status.Disputed);
  });

  it('a dispute after the window is refused (NotDisputable)', async () => {
    const { id } = await postSecond();
    await c.warp(W - 1n); // the dispute would be mined exactly when the window ends
    expect(await statusOf(id)).toBe(Status.Pending); // views run at the latest block, one second earlier
    expect(await reverts(disputeTx(alice, id, job))).toBe('NotDisputable');
    await c.warp(1n);
    expect(await statusOf(id)).toBe(Status.Final);
  });

  it('a dispute on the last second of the window is accepted, and a settlement is disputed only once', async () => {
    const { id } = await postSecond();
    await c.warp(W - 2n);
    await disputeTx(alice, id, job);
    expect(await reverts(disputeTx(alice, id, job))).toBe('NotDisputable');
  });

  it('an upheld dispute makes the settlement final at once', async () => {
    const { id, second } = await postSecond();
    await disputeTx(alice, id, job);
    await c.warp(A - 2n); // the arbiter decides on the last second of its window
    expect(await reverts(claimTx(w1.address, second))).toBe('InvalidProof'); // still the first root
    const { receipt } = await resolveTx(id, true);
    const [event] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'DisputeResolved' });
    expect(event?.args).toEqual({ settlementId: id, upheld: true });
    expect(await statusOf(id)).toBe(Status.Final);
    expect((await latestFinal()).id).toBe(id);
    expect(await received(w0.address, () => claimTx(w0.address, second))).toBe(4n * ETH);
    expect(await received(w1.address, () => claimTx(w1.address, second))).toBe(ETH);
    expect((await jobOf(job)).settled).toBe(7n * ETH);
  });

  it('a voided settlement leaves claims on the previous root and the job as it was; a corrected one can follow', async () => {
    const { id, second } = await postSecond();
    await disputeTx(alice, id, job);
    await resolveTx(id, false);
    expect(await statusOf(id)).toBe(Status.Void);
    expect(await latestFinal()).toEqual({ id: 1n, root: first.root, total: 2n * ETH });
    expect(await jobOf(job)).toMatchObject({ settled: 2n * ETH, pendingIn: 0n, closed: false });
    expect(await reverts(claimTx(w1.address, second))).toBe('InvalidProof');
    expect(await reverts(claimTx(w0.address, first))).toBe('NothingToClaim');
    // The corrected settlement's total builds on the last final one (2 ETH), not on the void one.
    const corrected = tree([w0, 3n * ETH], [w1, ETH]);
    expect(await reverts(postTx([{ id: job, settled: 4n * ETH }], corrected, 8n * ETH))).toBe(
      'TotalMismatch',
    );
    const next = await post([{ id: job, settled: 4n * ETH }], corrected);
    expect(next).toBe(id + 1n);
    await c.warp(W);
    expect(await received(w0.address, () => claimTx(w0.address, corrected))).toBe(ETH);
    expect(await received(w1.address, () => claimTx(w1.address, corrected))).toBe(ETH);
    expect((await jobOf(job)).settled).toBe(4n * ETH);
  });

  it('only ARBITER_ROLE resolves (AccessControlUnauthorizedAccount); only a disputed settlement (NotDisputed)', async () => {
    const { id } = await postSecond();
    expect(await reverts(resolveTx(id, true))).toBe('NotDisputed');
    await disputeTx(alice, id, job);
    for (const who of [outsider, alice, c.coordinator, c.deployer]) {
      expect(await reverts(resolveTx(id, false, who))).toBe('AccessControlUnauthorizedAccount');
    }
    expect(await reverts(resolveTx(0n, true))).toBe('UnknownSettlement');
    expect(await reverts(resolveTx(id + 1n, true))).toBe('UnknownSettlement');
    await resolveTx(id, false);
    expect(await reverts(resolveTx(id, true))).toBe('NotDisputed');
  });

  it('a dispute must carry exactly the bond (WrongDisputeBond), which the escrow then holds', async () => {
    const { id } = await postSecond();
    for (const value of [0n, BOND - 1n, BOND + 1n]) {
      expect(await reverts(disputeTx(alice, id, job, value))).toBe('WrongDisputeBond');
    }
    const before = await escrowBalance();
    const { receipt } = await disputeTx(alice, id, job);
    const [event] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'SettlementDisputed' });
    expect(event?.args).toEqual({
      settlementId: id,
      jobId: idOf(alice, job),
      requestor: alice.address,
      bond: BOND,
    });
    expect((await escrowBalance()) - before).toBe(BOND);
    expect(await read('bondsHeld')).toBe(BOND);
  });

  it('an upheld dispute forfeits the bond: only the admin withdraws it, the disputer gets nothing back', async () => {
    const { id } = await postSecond();
    await disputeTx(alice, id, job);
    await resolveTx(id, true);
    expect(await bondRefundOf(alice.address)).toBe(0n);
    expect(await reverts(withdrawBondTx(alice))).toBe('NothingToWithdraw');
    expect(await read('forfeitedBonds')).toBe(BOND);
    const withdraw = (who: Actor) =>
      escrowWrite(c, who, { functionName: 'withdrawForfeitedBonds', args: [c.admin.address] });
    for (const who of [c.coordinator, c.arbiter, alice, c.deployer]) {
      expect(await reverts(withdraw(who))).toBe('AccessControlUnauthorizedAccount');
    }
    expect(await received(c.admin.address, () => withdraw(c.admin), true)).toBe(BOND);
    expect(await read('bondsHeld')).toBe(0n);
    expect(await reverts(withdraw(c.admin))).toBe('NothingToWithdraw');
  });

  it('a voided dispute owes the bond back; the disputer withdraws it once (NothingToWithdraw)', async () => {
    const { id } = await postSecond();
    await disputeTx(alice, id, job);
    await resolveTx(id, false);
    expect(await bondRefundOf(alice.address)).toBe(BOND);
    expect(await reverts(withdrawBondTx(bob))).toBe('NothingToWithdraw');
    expect(await received(alice.address, () => withdrawBondTx(alice), true)).toBe(BOND);
    expect(await reverts(withdrawBondTx(alice))).toBe('NothingToWithdraw');
    expect(await read('bondsHeld')).toBe(0n);
  });

  it('the arbiter has the arbitration window (ArbitrationWindowPassed); then anyone expires the dispute', async () => {
    const { id, second } = await postSecond();
    await disputeTx(alice, id, job);
    const [, , , , , , disputer, endsAt] = await c.publicClient.readContract({
      address: c.escrow,
      abi,
      functionName: 'settlement',
      args: [id],
    });
    expect(disputer).toBe(alice.address);
    expect(endsAt).toBe((await c.now()) + A);
    await c.warp(A - 2n); // the next transaction runs one second before the arbitration window ends
    expect(await reverts(expireTx(id))).toBe('ArbitrationStillOpen');
    await c.warp(1n);
    expect(await reverts(resolveTx(id, true))).toBe('ArbitrationWindowPassed');
    const { receipt } = await expireTx(id, outsider);
    const [event] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'DisputeExpired' });
    expect(event?.args).toEqual({ settlementId: id });
    expect(await statusOf(id)).toBe(Status.Void);
    expect(await reverts(expireTx(id))).toBe('NotDisputed');
    expect(await reverts(expireTx(id + 1n))).toBe('UnknownSettlement');
    expect(await reverts(claimTx(w1.address, second))).toBe('InvalidProof');
    expect(await jobOf(job)).toMatchObject({ settled: 2n * ETH, pendingIn: 0n });
    expect(await received(alice.address, () => withdrawBondTx(alice), true)).toBe(BOND);
  });
});

// ─── refund ──────────────────────────────────────────────────────────────────────────────────────────────

describe('refund', () => {
  const job = jobKey('render-1');
  beforeEach(async () => {
    await deposit(alice, job, 10n * ETH, 10n * W);
  });

  it('before the job is closed or expired it is refused (NotRefundable); only its requestor may ask', async () => {
    expect(await reverts(refundTx(alice, job))).toBe('NotRefundable');
    expect(await reverts(refundTx(bob, job))).toBe('NotJobRequestor');
    // A final settlement that does not close the job changes nothing.
    await post([{ id: job, settled: ETH }], tree([w0, ETH]));
    await c.warp(W);
    expect(await reverts(refundTx(alice, job))).toBe('NotRefundable');
  });

  it('after a closing final settlement it pays deposited − settled exactly, once (NotRefundable)', async () => {
    const credits = tree([w0, 3n * ETH], [w1, ETH + 1n]);
    await post([{ id: job, settled: credits.total, closes: true }], credits);
    expect(await reverts(refundTx(alice, job))).toBe('SettlementStillOpen');
    await c.warp(W);
    expect((await jobOf(job)).closed).toBe(true);
    expect(await received(alice.address, () => refundTx(alice, job), true)).toBe(6n * ETH - 1n);
    expect(await reverts(refundTx(alice, job))).toBe('NotRefundable');
    expect(await jobOf(job)).toMatchObject({ refunded: true, closed: true, settled: 4n * ETH + 1n });
    // What was settled stays for the contributors.
    expect(await escrowBalance()).toBe(4n * ETH + 1n);
    await claimTx(w0.address, credits);
    await claimTx(w1.address, credits);
    expect(await escrowBalance()).toBe(0n);
  });

  it('after expiry with no open settlement the unsettled rest comes back', async () => {
    await post([{ id: job, settled: 2n * ETH }], tree([w0, 2n * ETH]));
    const { expiresAt } = await jobOf(job);
    await c.warp(expiresAt - 2n - (await c.now())); // the refund would be mined one second before expiry
    expect(await reverts(refundTx(alice, job))).toBe('NotRefundable');
    await c.warp(1n); // now it is mined at the expiry
    expect(await received(alice.address, () => refundTx(alice, job), true)).toBe(8n * ETH);
    expect(await reverts(refundTx(alice, job))).toBe('NotRefundable');
  });

  it('while a settlement of the job is pending or disputed the refund is refused (SettlementStillOpen)', async () => {
    await c.warp(10n * W); // expired
    const id = await post([{ id: job, settled: 2n * ETH }], tree([w0, 2n * ETH]));
    expect(await reverts(refundTx(alice, job))).toBe('SettlementStillOpen');
    await disputeTx(alice, id, job);
    await c.warp(W);
    expect(await reverts(refundTx(alice, job))).toBe('SettlementStillOpen');
    await resolveTx(id, false);
    // Voided: nothing of the job was settled, all of it comes back.
    expect(await received(alice.address, () => refundTx(alice, job), true)).toBe(10n * ETH);
  });

  it('a refunded job takes no settlement and no deposit (JobNotOpen)', async () => {
    await c.warp(10n * W);
    await refundTx(alice, job);
    expect(await reverts(postTx([{ id: job, settled: ETH }], tree([w0, ETH])))).toBe('JobNotOpen');
    expect(await reverts(deposit(alice, job, ETH))).toBe('JobNotOpen');
  });
});

// ─── regressions: found by review and the invariant test before release ──────────────────────────────────

describe('regressions', () => {
  it('refuses a job listed twice in one settlement (its increase would count twice toward the total)', async () => {
    // Job A (10 ETH) listed twice with 10 ETH would let a root carry 20 ETH of credit backed by A's 10 ETH
    // alone; the other 10 ETH would be Bob's unsettled deposit.
    const a = jobKey('render-a');
    const b = jobKey('render-b');
    await deposit(alice, a, 10n * ETH);
    await deposit(bob, b, 10n * ETH, 2n * W);
    const twice = [
      { id: a, settled: 10n * ETH },
      { id: a, settled: 10n * ETH },
    ];
    expect(await reverts(postTx(twice, tree([w0, 20n * ETH]), 20n * ETH))).toBe('DuplicateJob');
    await c.warp(2n * W); // Bob's job has expired: all of his deposit comes back
    expect(await received(bob.address, () => refundTx(bob, b), true)).toBe(10n * ETH);
  });

  it('refuses a settlement that touches no job (it could only move credit between contributors)', async () => {
    const a = jobKey('render-a');
    await deposit(alice, a, 10n * ETH);
    await post([{ id: a, settled: 4n * ETH }], tree([w0, 4n * ETH]));
    await c.warp(W);
    expect(await reverts(postTx([], tree([w1, 4n * ETH]), 4n * ETH))).toBe('EmptySettlement');
  });

  describe('a job closed by a final settlement that nothing has touched since', () => {
    // jobOf reports it closed before storage folds the settlement in: deposit and postSettlement must fold
    // first, or the coordinator could charge more of a closed job and block the requestor's refund.
    const job = jobKey('render-1');
    beforeEach(async () => {
      await deposit(alice, job, 10n * ETH);
      await post([{ id: job, settled: 5n * ETH, closes: true }], tree([w0, 5n * ETH]));
      await c.warp(W);
      expect((await jobOf(job)).closed).toBe(true);
    });

    it('takes no further settlement (JobNotOpen)', async () => {
      const more = postTx([{ id: job, settled: 9n * ETH }], tree([w0, 9n * ETH]));
      expect(await reverts(more)).toBe('JobNotOpen');
    });

    it('takes no top-up (JobNotOpen), and the requestor gets deposited − settled back', async () => {
      expect(await reverts(deposit(alice, job, ETH))).toBe('JobNotOpen');
      expect(await received(alice.address, () => refundTx(alice, job), true)).toBe(5n * ETH);
    });
  });
});

// ─── re-entrancy ─────────────────────────────────────────────────────────────────────────────────────────

describe('re-entrancy', () => {
  async function deployAttacker(owner: Actor): Promise<Address> {
    const hash = await owner.deployContract({
      abi: reentrantClaimerAbi,
      bytecode: reentrantClaimerBytecode,
      args: [c.escrow],
    });
    const receipt = await c.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 10 });
    if (!receipt.contractAddress) throw new Error('attacker deployment failed');
    return getAddress(receipt.contractAddress);
  }
  const attackerState = async (address: Address) => {
    const at = { address, abi: reentrantClaimerAbi } as const;
    const read = c.publicClient.readContract;
    return {
      received: await read({ ...at, functionName: 'received' }),
      payments: await read({ ...at, functionName: 'payments' }),
      attempted: await read({ ...at, functionName: 'reentryAttempted' }),
      succeeded: await read({ ...at, functionName: 'reentrySucceeded' }),
      error: await read({ ...at, functionName: 'reentryError' }),
    };
  };

  it('a contributor contract re-entering claim from receive() is paid its cumulative credit once', async () => {
    const attacker = await deployAttacker(outsider);
    const job = jobKey('render-1');
    await deposit(alice, job, 10n * ETH);
    const credits = buildTree([
      [attacker, 3n * ETH],
      [w0.address, 2n * ETH],
      [w1.address, ETH],
    ]);
    await post([{ id: job, settled: credits.total }], credits);
    await c.warp(W);
    const before = await escrowBalance();
    await write(c, outsider, {
      address: attacker,
      abi: reentrantClaimerAbi,
      functionName: 'attackClaim',
      args: [3n * ETH, credits.proof(attacker)],
    });
    expect(before - (await escrowBalance())).toBe(3n * ETH);
    const state = await attackerState(attacker);
    expect(state).toMatchObject({ received: 3n * ETH, payments: 1n, attempted: true, succeeded: false });
    expect(decodeEscrowError(state.error)).toBe('ReentrancyGuardReentrantCall');
    expect(await balance(attacker)).toBe(3n * ETH);
    expect(await claimedOf(attacker)).toBe(3n * ETH);
    // Trying again outside the guard finds the claim recorded.
    const again = write(c, outsider, {
      address: attacker,
      abi: reentrantClaimerAbi,
      functionName: 'attackClaim',
      args: [3n * ETH, credits.proof(attacker)],
    });
    expect(await reverts(again)).toBe('NothingToClaim');
    // Everyone else is still paid in full.
    expect(await received(w0.address, () => claimTx(w0.address, credits))).toBe(2n * ETH);
    expect(await received(w1.address, () => claimTx(w1.address, credits))).toBe(ETH);
    expect(await escrowBalance()).toBe(10n * ETH - credits.total);
  });

  it('a requestor contract re-entering refund from receive() gets deposited − settled once', async () => {
    const attacker = await deployAttacker(outsider);
    const job = jobKey('render-evil');
    const other = jobKey('render-honest');
    await deposit(alice, other, 5n * ETH);
    await write(c, outsider, {
      address: attacker,
      abi: reentrantClaimerAbi,
      functionName: 'depositFor',
      args: [job, (await c.now()) + 10n * W],
      value: 10n * ETH,
    });
    owners.set(job, { address: attacker });
    expect((await jobOf(job)).requestor).toBe(attacker);
    const credits = tree([w0, 4n * ETH], [w1, ETH]);
    await post(
      [
        { id: job, settled: 4n * ETH, closes: true },
        { id: other, settled: ETH },
      ],
      credits,
    );
    await c.warp(W);
    const before = await escrowBalance();
    await write(c, outsider, {
      address: attacker,
      abi: reentrantClaimerAbi,
      functionName: 'attackRefund',
      args: [id(job)],
    });
    expect(before - (await escrowBalance())).toBe(6n * ETH);
    const state = await attackerState(attacker);
    expect(state).toMatchObject({ received: 6n * ETH, payments: 1n, attempted: true, succeeded: false });
    expect(decodeEscrowError(state.error)).toBe('ReentrancyGuardReentrantCall');
    const again = write(c, outsider, {
      address: attacker,
      abi: reentrantClaimerAbi,
      functionName: 'attackRefund',
      args: [id(job)],
    });
    expect(await reverts(again)).toBe('NotRefundable');
    // The contributors and the other requestor's deposit are untouched.
    expect(await received(w0.address, () => claimTx(w0.address, credits))).toBe(4n * ETH);
    expect(await received(w1.address, () => claimTx(w1.address, credits))).toBe(ETH);
    expect(await escrowBalance()).toBe(4n * ETH);
    expect(await jobOf(other)).toMatchObject({ deposited: 5n * ETH, settled: ETH, refunded: false });
  });

  it('a disputer contract re-entering withdrawBond from receive() gets its bond back once', async () => {
    const attacker = await deployAttacker(outsider);
    const job = jobKey('render-evil');
    await write(c, outsider, {
      address: attacker,
      abi: reentrantClaimerAbi,
      functionName: 'depositFor',
      args: [job, (await c.now()) + 10n * W],
      value: 10n * ETH,
    });
    owners.set(job, { address: attacker });
    const first = await post([{ id: job, settled: ETH }], tree([w0, ETH]));
    await write(c, outsider, {
      address: attacker,
      abi: reentrantClaimerAbi,
      functionName: 'disputeFor',
      args: [first, id(job)],
      value: BOND,
    });
    await resolveTx(first, false);
    // A second bond, held for an open dispute, is in the escrow too: the re-entry must not draw it.
    const second = await post([{ id: job, settled: ETH }], tree([w0, ETH]));
    await write(c, outsider, {
      address: attacker,
      abi: reentrantClaimerAbi,
      functionName: 'disputeFor',
      args: [second, id(job)],
      value: BOND,
    });
    const before = await escrowBalance();
    await write(c, outsider, {
      address: attacker,
      abi: reentrantClaimerAbi,
      functionName: 'attackWithdrawBond',
      args: [],
    });
    expect(before - (await escrowBalance())).toBe(BOND);
    const state = await attackerState(attacker);
    expect(state).toMatchObject({ received: BOND, payments: 1n, attempted: true, succeeded: false });
    expect(decodeEscrowError(state.error)).toBe('ReentrancyGuardReentrantCall');
    expect(await bondRefundOf(attacker)).toBe(0n);
    expect(await read('bondsHeld')).toBe(BOND); // the open dispute's
  });
});

// ─── fuzz: whole payout rounds ──────────────────────────────────────────────────────────────────────────

/** Splits `amount` in proportion to `weights` (all to the first when they are all zero), summing exactly. */
function split(amount: bigint, weights: number[]): bigint[] {
  const sum = BigInt(weights.reduce((a, b) => a + b, 0));
  if (sum === 0n) return weights.map((_, i) => (i === 0 ? amount : 0n));
  const parts = weights.map((w) => (amount * BigInt(w)) / sum);
  const rest = amount - parts.reduce((a, b) => a + b, 0n);
  const heaviest = weights.indexOf(Math.max(...weights));
  parts[heaviest] = (parts[heaviest] ?? 0n) + rest;
  return parts;
}

describe('fuzz', () => {
  const CONTRIBUTORS = 8;
  const MAX_JOBS = 4;
  const scenario = fc.record({
    jobs: fc.array(fc.record({ requestor: fc.nat(2), amount: fc.bigInt({ min: 1n, max: 10n * ETH }) }), {
      minLength: 1,
      maxLength: MAX_JOBS,
    }),
    rounds: fc.array(
      fc.record({
        // Per job, the share (‰) of what is still unsettled that this round settles.
        shares: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: MAX_JOBS, maxLength: MAX_JOBS }),
        // How this round's new credit is split over the contributors.
        weights: fc.array(fc.nat(10), { minLength: CONTRIBUTORS, maxLength: CONTRIBUTORS }),
        // Who claims as soon as this round is final (everyone claims at the end anyway).
        claimers: fc.array(fc.boolean(), { minLength: CONTRIBUTORS, maxLength: CONTRIBUTORS }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    // Which jobs the last round closes; the others are refunded after they expire.
    closes: fc.array(fc.boolean(), { minLength: MAX_JOBS, maxLength: MAX_JOBS }),
  });

  it('random deposits and credit: every contributor gets exactly its cumulative credit, every requestor the rest', async () => {
    const requestors = () => [alice, bob, carol];
    await fc.assert(
      fc.asyncProperty(scenario, async ({ jobs, rounds, closes }) => {
        const snap = await c.snapshot();
        try {
          let deposits = 0n;
          let paidOut = 0n;
          const expectEscrow = async () => {
            const held = await escrowBalance();
            expect(held).toBe(deposits - paidOut);
            expect(held).toBeGreaterThanOrEqual(0n);
          };
          const ids = jobs.map((_, i) => jobKey(`fuzz-${i}`));
          for (const [i, job] of jobs.entries()) {
            await deposit(at(requestors(), job.requestor), at(ids, i), job.amount, 100n * W);
            deposits += job.amount;
          }
          const settled = jobs.map(() => 0n);
          const cumulative = workers.map(() => 0n);
          const paid = workers.map(() => 0n);
          let credits = buildTree([]);
          const claim = async (w: number) => {
            const account = at(workers, w).address;
            if (credits.amount(account) <= at(paid, w)) {
              expect(await reverts(claimTx(account, credits))).toBe('NothingToClaim');
              return;
            }
            const got = await received(account, () => claimTx(account, credits));
            expect(got).toBe(credits.amount(account) - at(paid, w));
            paid[w] = credits.amount(account);
            paidOut += got;
            await expectEscrow();
          };
          for (const [r, round] of rounds.entries()) {
            const last = r === rounds.length - 1;
            const next = settled.map(
              (s, i) => s + ((at(jobs, i).amount - s) * BigInt(at(round.shares, i))) / 1000n,
            );
            const added = next.reduce((a, b) => a + b, 0n) - settled.reduce((a, b) => a + b, 0n);
            for (const [w, part] of split(added, round.weights).entries())
              cumulative[w] = at(cumulative, w) + part;
            credits = buildTree(workers.map((w, i): Leaf => [w.address, at(cumulative, i)]));
            await post(
              ids.map((id, i) => ({ id, settled: at(next, i), closes: last && at(closes, i) })),
              credits,
            );
            next.forEach((s, i) => {
              settled[i] = s;
            });
            await c.warp(W);
            for (let w = 0; w < CONTRIBUTORS; w++) if (round.claimers[w] || last) await claim(w);
          }
          expect(paid).toEqual(cumulative);
          expect(await totalClaimed()).toBe(settled.reduce((a, b) => a + b, 0n));
          await c.warp(100n * W); // every job has expired or been closed
          for (const [i, job] of jobs.entries()) {
            const requestor = at(requestors(), job.requestor);
            const got = await received(requestor.address, () => refundTx(requestor, at(ids, i)), true);
            expect(got).toBe(job.amount - at(settled, i));
            paidOut += got;
            await expectEscrow();
          }
          expect(await escrowBalance()).toBe(0n);
        } finally {
          await c.revert(snap);
          owners.clear();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

// ─── invariants: random action sequences against a model ────────────────────────────────────────────────

type Action =
  | { kind: 'deposit'; who: Who; job: number; amount: bigint; expiresIn: bigint }
  | {
      kind: 'post';
      who: 'coordinator' | 'outsider';
      entries: { job: number; share: number; mode: 'valid' | 'beyond' | 'decrease'; closes: boolean }[];
      unknownJob: boolean;
      totalDelta: bigint;
      weights: number[];
      overCredit: bigint;
      lengthMismatch: boolean;
    }
  | {
      kind: 'dispute';
      who: Who;
      job: number | 'touched';
      which: 'pending' | 'last' | 'previous';
      bond: 'exact' | 'short' | 'over';
    }
  | { kind: 'resolve'; who: 'arbiter' | 'outsider'; upheld: boolean; which: 'pending' | 'last' | 'previous' }
  | { kind: 'expire'; which: 'pending' | 'last' | 'previous' }
  | { kind: 'withdrawBond'; who: number }
  | { kind: 'warp'; seconds: bigint }
  | { kind: 'claim'; contributor: number; proof: 'valid' | 'wrongAmount' | 'otherProof' | 'latestTree' }
  | { kind: 'refund'; who: Who; job: number };
/**
 * A requestor by index, or whoever is the job's requestor (so that most calls get past the first check).
 * Model job j belongs to requestor j (the opening deposits); a deposit by anyone else under job j's key opens
 * that account's own job (a squat attempt), which the model keeps apart as a stray deposit.
 */
type Who = number | 'owner';

type SettlementStatus = 'Pending' | 'Disputed' | 'Final' | 'Void';
interface ModelJob {
  requestor?: number;
  deposited: bigint;
  settled: bigint;
  expiresAt: bigint;
  closed: boolean; // as stored (lazily folded, like the contract)
  refunded: boolean;
  pendingIn: number;
  pendingSettled: bigint;
  pendingClose: boolean;
}
interface ModelSettlement {
  tree: CreditTree;
  total: bigint;
  postedAt: bigint;
  status: SettlementStatus;
  disputer?: number;
  disputedAt?: bigint;
}

/** What the escrow should do, written from its documented rules; any divergence fails the run. */
class EscrowModel {
  jobs: ModelJob[] = [];
  settlements: (ModelSettlement | undefined)[] = [undefined];
  finalizedId = 0;
  pendingId = 0;
  claimed: bigint[];
  totalClaimed = 0n;
  deposited = 0n;
  refunded = 0n;
  /** Deposits under a model job's key by someone other than its requestor: their own jobs, never touched. */
  stray = new Map<string, { deposited: bigint; expiresAt: bigint }>();
  bondRefunds: bigint[] = [];
  forfeited = 0n;
  bondsHeld = 0n;

  constructor(
    jobCount: number,
    contributorCount: number,
    readonly window: bigint,
    readonly arbitration: bigint,
    readonly bond: bigint,
    requestorCount: number,
  ) {
    this.bondRefunds = Array.from({ length: requestorCount }, () => 0n);
    for (let i = 0; i < jobCount; i++) {
      this.jobs.push({
        deposited: 0n,
        settled: 0n,
        expiresAt: 0n,
        closed: false,
        refunded: false,
        pendingIn: 0,
        pendingSettled: 0n,
        pendingClose: false,
      });
    }
    this.claimed = Array.from({ length: contributorCount }, () => 0n);
  }

  settlement(id: number): ModelSettlement {
    const s = this.settlements[id];
    if (!s) throw new RangeError(`no settlement ${id}`);
    return s;
  }
  status(id: number, t: bigint): SettlementStatus | 'None' {
    const s = this.settlements[id];
    if (!s) return 'None';
    if (s.status === 'Pending' && t >= s.postedAt + this.window) return 'Final';
    return s.status;
  }
  finalId(t: bigint): number {
    return this.pendingId !== 0 && this.status(this.pendingId, t) === 'Final'
      ? this.pendingId
      : this.finalizedId;
  }
  final(t: bigint): ModelSettlement | undefined {
    return this.settlements[this.finalId(t)];
  }
  /** The job as `jobOf` shows it at time `t`. */
  view(j: number, t: bigint) {
    const job = at(this.jobs, j);
    let { settled, closed, pendingIn } = job;
    if (pendingIn !== 0) {
      const status = this.status(pendingIn, t);
      if (status === 'Final') {
        settled = job.pendingSettled;
        closed = closed || job.pendingClose;
        pendingIn = 0;
      } else if (status === 'Void') pendingIn = 0;
    }
    return { ...job, settled, closed, pendingIn };
  }
  foldPending(t: bigint) {
    if (this.pendingId === 0) return;
    const status = this.status(this.pendingId, t);
    if (status === 'Final') {
      this.settlement(this.pendingId).status = 'Final';
      this.finalizedId = this.pendingId;
      this.pendingId = 0;
    } else if (status === 'Void') this.pendingId = 0;
  }
  foldJob(j: number, t: bigint) {
    const v = this.view(j, t);
    Object.assign(at(this.jobs, j), { settled: v.settled, closed: v.closed, pendingIn: v.pendingIn });
    if (v.pendingIn === 0) {
      at(this.jobs, j).pendingSettled = 0n;
      at(this.jobs, j).pendingClose = false;
    }
  }
  /** A disputed settlement ends void: its bond is owed back to the disputer. */
  voidDisputed(id: number) {
    const s = this.settlement(id);
    s.status = 'Void';
    const disputer = s.disputer ?? 0;
    this.bondRefunds[disputer] = at(this.bondRefunds, disputer) + this.bond;
  }
  /** Whether the job no longer takes deposits or settlements. */
  notOpen(j: number, t: bigint): boolean {
    return at(this.jobs, j).refunded || this.view(j, t).closed;
  }
}

describe('invariants', () => {
  const JOBS = 3; // job index 3 is never deposited for: an unknown job
  const CONTRIBUTORS = 4;
  const REQUESTORS = 3;
  const windowish = [1n, W / 2n, W - 1n, W, W, 2n * W, 10n * W];
  const who: fc.Arbitrary<Who> = fc.oneof(
    { weight: 3, arbitrary: fc.constant('owner' as const) },
    { weight: 1, arbitrary: fc.nat(REQUESTORS - 1) },
  );
  // Every run opens with one deposit per job (requestor j for job j) and a valid settlement of them, so
  // that most actions find something to act on.
  const setup = fc.record({
    amounts: fc.tuple(...Array.from({ length: JOBS }, () => fc.bigInt(1n, 5n * ETH))),
    shares: fc.tuple(...Array.from({ length: JOBS }, () => fc.integer({ min: 0, max: 1000 }))),
    weights: fc.array(fc.nat(5), { minLength: CONTRIBUTORS, maxLength: CONTRIBUTORS }),
    upheld: fc.boolean(),
  });

  const action: fc.Arbitrary<Action> = fc.oneof(
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('deposit' as const),
        who,
        job: fc.nat(JOBS - 1),
        amount: fc.oneof(
          { weight: 1, arbitrary: fc.constant(0n) },
          { weight: 6, arbitrary: fc.bigInt(1n, 5n * ETH) },
        ),
        expiresIn: fc.constantFrom(-5n, 0n, 1n, 2n, W, 3n * W, 20n * W),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('post' as const),
        who: fc.oneof(
          { weight: 9, arbitrary: fc.constant('coordinator' as const) },
          { weight: 1, arbitrary: fc.constant('outsider' as const) },
        ),
        entries: fc.uniqueArray(
          fc.record({
            job: fc.nat(JOBS - 1),
            share: fc.integer({ min: 0, max: 1000 }),
            mode: fc.oneof(
              { weight: 8, arbitrary: fc.constant('valid' as const) },
              { weight: 1, arbitrary: fc.constant('beyond' as const) },
              { weight: 1, arbitrary: fc.constant('decrease' as const) },
            ),
            closes: fc.boolean(),
          }),
          { selector: (e) => e.job, minLength: 0, maxLength: JOBS },
        ),
        unknownJob: fc.oneof(
          { weight: 12, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
        totalDelta: fc.oneof(
          { weight: 8, arbitrary: fc.constant(0n) },
          { weight: 1, arbitrary: fc.constantFrom(-1n, 1n) },
        ),
        weights: fc.array(fc.nat(5), { minLength: CONTRIBUTORS, maxLength: CONTRIBUTORS }),
        overCredit: fc.oneof(
          { weight: 6, arbitrary: fc.constant(0n) },
          { weight: 1, arbitrary: fc.bigInt(1n, ETH) },
        ),
        lengthMismatch: fc.oneof(
          { weight: 15, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('dispute' as const),
        who,
        job: fc.oneof(
          { weight: 2, arbitrary: fc.constant('touched' as const) },
          { weight: 1, arbitrary: fc.nat(JOBS) },
        ),
        which: fc.oneof(
          { weight: 3, arbitrary: fc.constant('pending' as const) },
          { weight: 1, arbitrary: fc.constantFrom('last' as const, 'previous' as const) },
        ),
        bond: fc.oneof(
          { weight: 8, arbitrary: fc.constant('exact' as const) },
          { weight: 1, arbitrary: fc.constantFrom('short' as const, 'over' as const) },
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('expire' as const),
        which: fc.oneof(
          { weight: 3, arbitrary: fc.constant('pending' as const) },
          { weight: 1, arbitrary: fc.constantFrom('last' as const, 'previous' as const) },
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('withdrawBond' as const), who: fc.nat(REQUESTORS - 1) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('resolve' as const),
        who: fc.oneof(
          { weight: 5, arbitrary: fc.constant('arbiter' as const) },
          { weight: 1, arbitrary: fc.constant('outsider' as const) },
        ),
        upheld: fc.boolean(),
        which: fc.oneof(
          { weight: 4, arbitrary: fc.constant('pending' as const) },
          { weight: 1, arbitrary: fc.constantFrom('last' as const, 'previous' as const) },
        ),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant('warp' as const), seconds: fc.constantFrom(...windowish) }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('claim' as const),
        contributor: fc.nat(CONTRIBUTORS - 1),
        proof: fc.oneof(
          { weight: 4, arbitrary: fc.constant('valid' as const) },
          {
            weight: 1,
            arbitrary: fc.constantFrom('wrongAmount' as const, 'otherProof' as const, 'latestTree' as const),
          },
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('refund' as const), who, job: fc.nat(JOBS) }),
    },
  );

  it('random action sequences keep the escrow solvent and match the model after every step', async () => {
    const requestors = [alice, bob, carol];
    const contributors = workers.slice(0, CONTRIBUTORS);
    const keys = Array.from({ length: JOBS + 1 }, (_, i) => jobKey(`inv-${i}`));
    // Job j is requestor j's (job JOBS, never deposited for, is requestor 0's: an unknown job).
    const ids = keys.map((key, j) => idOf(at(requestors, j % REQUESTORS), key));
    const outcomes = new Map<string, number>();

    await fc.assert(
      fc.asyncProperty(
        setup,
        fc.array(action, { minLength: 5, maxLength: 50 }),
        async ({ amounts, shares, weights, upheld }, actions) => {
          const snap = await c.snapshot();
          const m = new EscrowModel(JOBS + 1, CONTRIBUTORS, W, A, BOND, REQUESTORS);
          const opening: Action[] = [
            // A squat attempt first: 1 wei under job 0's (public) key from requestor 1. It opens requestor
            // 1's own job; requestor 0's deposit below still opens job 0.
            { kind: 'deposit', who: 1, job: 0, amount: 1n, expiresIn: 5n * W },
            ...amounts.map(
              (amount, j): Action => ({ kind: 'deposit', who: j, job: j, amount, expiresIn: 5n * W }),
            ),
            {
              kind: 'post',
              who: 'coordinator',
              entries: shares.map((share, job) => ({ job, share, mode: 'valid' as const, closes: false })),
              unknownJob: false,
              totalDelta: 0n,
              weights,
              overCredit: 0n,
              lengthMismatch: false,
            },
          ];
          // And every run winds down: any dispute resolved (or, past the arbitration window, expired), past
          // every expiry, everyone claims, every requestor takes back the rest and its bonds; the invariants
          // hold after each of these steps too.
          const settleAll: Action = {
            kind: 'post',
            who: 'coordinator',
            entries: shares.map((share, job) => ({ job, share, mode: 'valid' as const, closes: false })),
            unknownJob: false,
            totalDelta: 0n,
            weights,
            overCredit: 0n,
            lengthMismatch: false,
          };
          const disputeOpen: Action = {
            kind: 'dispute',
            who: 'owner',
            job: 'touched',
            which: 'pending',
            bond: 'exact',
          };
          // Where the run leaves a settlement open, the closing disputes it and supersedes it by the next
          // one, disputes that for the arbiter to resolve, and disputes a third that the arbiter leaves
          // past its window (so every run takes the rare paths).
          const closing: Action[] = [
            disputeOpen,
            settleAll,
            disputeOpen,
            { kind: 'resolve', who: 'arbiter', upheld, which: 'pending' },
            { kind: 'warp', seconds: W },
            settleAll,
            disputeOpen,
            { kind: 'warp', seconds: 30n * W },
            { kind: 'resolve', who: 'arbiter', upheld, which: 'pending' },
            { kind: 'expire', which: 'pending' },
            { kind: 'warp', seconds: W },
            ...contributors.map((_, contributor): Action => ({ kind: 'claim', contributor, proof: 'valid' })),
            ...Array.from({ length: JOBS }, (_, job): Action => ({ kind: 'refund', who: 'owner', job })),
            ...requestors.map((_, who): Action => ({ kind: 'withdrawBond', who })),
          ];
          try {
            for (const [step, a] of [...opening, ...actions, ...closing].entries()) {
              const t = (await c.now()) + 1n; // when this step's transaction runs
              const where = `step ${step}: ${JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
              await runAction(m, a, t, where);
              await checkInvariants(m, where);
            }
          } finally {
            await c.revert(snap);
          }
        },
      ),
      { numRuns: 50 },
    );
    // The generators reach every branch often enough to mean something.
    for (const key of [
      'deposit:ok',
      'deposit:stray',
      'post:ok',
      'post:superseded',
      'claim:ok',
      'refund:ok',
      'dispute:ok',
      'dispute:WrongDisputeBond',
      'resolve:ok',
      'expire:ok',
      'withdrawBond:ok',
    ]) {
      expect(outcomes.get(key) ?? 0, key).toBeGreaterThan(0);
    }
    console.info(`invariants: ${[...outcomes].map(([k, v]) => `${k}=${v}`).join(' ')}`);

    /** The requestor index an action uses: `owner` is the job's requestor (requestor 0 for an unknown job). */
    function whoIs(who: Who, job: ModelJob): number {
      return who === 'owner' ? (job.requestor ?? 0) : who;
    }

    /** Sends the action, checks the outcome against the model and applies it to the model. */
    async function runAction(m: EscrowModel, a: Action, t: bigint, where: string) {
      const outcome = async (
        expected: () => string | null,
        send: () => Promise<WriteResult>,
      ): Promise<WriteResult | null> => {
        const strict = expected();
        let result: WriteResult | null = null;
        let got: string | null = null;
        try {
          result = await send();
        } catch (error) {
          got = await reverts(Promise.reject(error));
        }
        expect(got, `${where}: contract says ${got ?? 'ok'}, rules say ${strict ?? 'ok'}`).toBe(strict);
        const key = `${a.kind}:${got ?? 'ok'}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        return result;
      };

      switch (a.kind) {
        case 'deposit': {
          const job = at(m.jobs, a.job);
          const who = a.who === 'owner' ? a.job : a.who;
          const expiresAt = t + a.expiresIn;
          const send = () =>
            escrowWrite(c, at(requestors, who), {
              functionName: 'deposit',
              args: [at(keys, a.job), expiresAt],
              value: a.amount,
            });
          if (who !== a.job) {
            // Under requestor a.job's key but from someone else: that account's own job, never the model's.
            const key = `${who}:${a.job}`;
            const stray = m.stray.get(key);
            const result = await outcome(() => {
              if (a.amount === 0n) return 'ZeroAmount';
              return !stray && expiresAt <= t ? 'JobExpiryInPast' : null;
            }, send);
            if (result) {
              outcomes.set('deposit:stray', (outcomes.get('deposit:stray') ?? 0) + 1);
              const next = stray ?? { deposited: 0n, expiresAt: 0n };
              next.deposited += a.amount;
              if (expiresAt > next.expiresAt) next.expiresAt = expiresAt;
              m.stray.set(key, next);
            }
            return;
          }
          const result = await outcome(() => {
            if (a.amount === 0n) return 'ZeroAmount';
            if (job.requestor === undefined) return expiresAt <= t ? 'JobExpiryInPast' : null;
            return m.notOpen(a.job, t) ? 'JobNotOpen' : null;
          }, send);
          if (result) {
            job.requestor ??= who;
            if (expiresAt > job.expiresAt) job.expiresAt = expiresAt;
            job.deposited += a.amount;
            m.deposited += a.amount;
          }
          return;
        }
        case 'post': {
          const base = m.final(t);
          const listed = a.unknownJob
            ? [...a.entries, { job: JOBS, share: 0, mode: 'valid' as const, closes: false }]
            : a.entries;
          const entries = listed.map((e) => {
            const v = m.view(e.job, t);
            let settled = v.settled + ((v.deposited - v.settled) * BigInt(e.share)) / 1000n;
            if (e.mode === 'beyond') settled = v.deposited + 1n;
            if (e.mode === 'decrease' && v.settled > 0n) settled = v.settled - 1n;
            return { ...e, settled, previously: v.settled };
          });
          const added = entries.reduce((sum, e) => sum + (e.settled - e.previously), 0n);
          const expectedTotal = (base?.total ?? 0n) + added;
          const total = expectedTotal + a.totalDelta < 0n ? 0n : expectedTotal + a.totalDelta;
          const split_ = split(added > 0n ? added : 0n, a.weights);
          const credits = contributors.map((w, i): Leaf => {
            const extra = i === 0 ? a.overCredit : 0n;
            return [w.address, (base?.tree.amount(w.address) ?? 0n) + (split_[i] ?? 0n) + extra];
          });
          const tree_ = buildTree(credits);
          const result = await outcome(
            () => {
              if (a.who !== 'coordinator') return 'AccessControlUnauthorizedAccount';
              if (a.lengthMismatch) return 'LengthMismatch';
              if (listed.length === 0) return 'EmptySettlement';
              // A pending settlement must run its window; a disputed one is superseded by this one.
              const pending = m.pendingId === 0 ? 'None' : m.status(m.pendingId, t);
              if (pending === 'Pending') return 'SettlementStillOpen';
              for (const e of entries) {
                const job = at(m.jobs, e.job);
                if (job.requestor === undefined) return 'UnknownJob';
                if (m.notOpen(e.job, t)) return 'JobNotOpen';
                if (e.settled > job.deposited) return 'SettledBeyondDeposit';
                if (e.settled < e.previously) return 'SettledDecreased';
              }
              return total === expectedTotal ? null : 'TotalMismatch';
            },
            () =>
              escrowWrite(c, a.who === 'coordinator' ? c.coordinator : outsider, {
                functionName: 'postSettlement',
                args: [
                  tree_.root,
                  total,
                  entries.map((e) => at(ids, e.job)),
                  entries.map((e) => e.settled).concat(a.lengthMismatch ? [0n] : []),
                  entries.map((e) => e.closes),
                ],
              }),
          );
          if (result) {
            m.foldPending(t);
            if (m.pendingId !== 0 && m.settlement(m.pendingId).status === 'Disputed') {
              m.voidDisputed(m.pendingId);
              m.pendingId = 0;
              outcomes.set('post:superseded', (outcomes.get('post:superseded') ?? 0) + 1);
            }
            const id = m.settlements.length;
            for (const e of entries) {
              m.foldJob(e.job, t);
              Object.assign(at(m.jobs, e.job), {
                pendingIn: id,
                pendingSettled: e.settled,
                pendingClose: e.closes,
              });
            }
            m.settlements.push({ tree: tree_, total, postedAt: t, status: 'Pending' });
            m.pendingId = id;
          }
          return;
        }
        case 'dispute':
        case 'resolve':
        case 'expire': {
          const last = m.settlements.length - 1;
          const id =
            a.which === 'pending' ? m.pendingId || last : a.which === 'last' ? last : Math.max(0, last - 1);
          if (a.kind === 'dispute') {
            // `touched`: a job of the pending settlement, when there is one.
            const j =
              a.job === 'touched'
                ? Math.max(
                    0,
                    m.jobs.findIndex((x) => x.pendingIn === id),
                  )
                : a.job;
            const job = at(m.jobs, j);
            const who = whoIs(a.who, job);
            const value = BOND + (a.bond === 'short' ? -1n : a.bond === 'over' ? 1n : 0n);
            const result = await outcome(
              () => {
                if (job.requestor !== who) return 'NotJobRequestor';
                if (value !== BOND) return 'WrongDisputeBond';
                return job.pendingIn !== id || m.status(id, t) !== 'Pending' ? 'NotDisputable' : null;
              },
              () =>
                escrowWrite(c, at(requestors, who), {
                  functionName: 'dispute',
                  args: [BigInt(id), at(ids, j)],
                  value,
                }),
            );
            if (result) {
              Object.assign(m.settlement(id), { status: 'Disputed', disputer: who, disputedAt: t });
              m.bondsHeld += BOND;
            }
          } else {
            // The arbiter resolves before the arbitration window ends; anyone expires the dispute after.
            const endsAt = () => (m.settlement(id).disputedAt ?? 0n) + A;
            const result = await outcome(
              () => {
                if (a.kind === 'resolve' && a.who !== 'arbiter') return 'AccessControlUnauthorizedAccount';
                if (id === 0 || id > last) return 'UnknownSettlement';
                if (m.settlement(id).status !== 'Disputed') return 'NotDisputed';
                if (a.kind === 'resolve') return t >= endsAt() ? 'ArbitrationWindowPassed' : null;
                return t < endsAt() ? 'ArbitrationStillOpen' : null;
              },
              () =>
                a.kind === 'resolve'
                  ? resolveTx(BigInt(id), a.upheld, a.who === 'arbiter' ? c.arbiter : outsider)
                  : expireTx(BigInt(id)),
            );
            if (result) {
              if (a.kind === 'resolve' && a.upheld) {
                m.settlement(id).status = 'Final';
                m.forfeited += BOND;
              } else m.voidDisputed(id);
              m.foldPending(t);
            }
          }
          return;
        }
        case 'withdrawBond': {
          const requestor = at(requestors, a.who);
          const owed = at(m.bondRefunds, a.who);
          const before = await balance(requestor.address);
          const result = await outcome(
            () => (owed === 0n ? 'NothingToWithdraw' : null),
            () => withdrawBondTx(requestor),
          );
          if (result) {
            expect((await balance(requestor.address)) - before + result.fee, `${where}: bond back`).toBe(
              owed,
            );
            m.bondRefunds[a.who] = 0n;
            m.bondsHeld -= owed;
          }
          return;
        }
        case 'warp':
          await c.warp(a.seconds);
          return;
        case 'claim': {
          const i = a.contributor;
          const account = at(contributors, i).address;
          const other = at(contributors, (i + 1) % CONTRIBUTORS).address;
          const final = m.final(t);
          const latest = m.settlements[m.settlements.length - 1];
          const source = a.proof === 'latestTree' ? latest : final;
          let amount = source?.tree.amount(account) ?? 0n;
          let proof = source?.tree.proof(account) ?? [];
          if (a.proof === 'wrongAmount') amount += 1n;
          if (a.proof === 'otherProof') proof = source?.tree.proof(other) ?? [];
          const before = await balance(account);
          const result = await outcome(
            () => {
              if (!final) return 'NoFinalSettlement';
              // Checked with the JS implementation of the tree, independently of the EVM.
              if (!verifyLeaf(final.tree.root, account, amount, proof)) return 'InvalidProof';
              if (amount <= at(m.claimed, i)) return 'NothingToClaim';
              return m.totalClaimed + amount - at(m.claimed, i) > final.total ? 'ClaimsExceedSettled' : null;
            },
            () => escrowWrite(c, relayer, { functionName: 'claim', args: [account, amount, proof] }),
          );
          if (result) {
            m.foldPending(t);
            const paid = amount - at(m.claimed, i);
            expect((await balance(account)) - before, `${where}: paid`).toBe(paid);
            m.claimed[i] = amount;
            m.totalClaimed += paid;
          }
          return;
        }
        case 'refund': {
          const job = at(m.jobs, a.job);
          const who = whoIs(a.who, job);
          const requestor = at(requestors, who);
          const v = m.view(a.job, t);
          const before = await balance(requestor.address);
          const result = await outcome(
            () => {
              if (job.requestor !== who) return 'NotJobRequestor';
              if (v.refunded) return 'NotRefundable';
              if (v.pendingIn !== 0) return 'SettlementStillOpen';
              return !v.closed && t < v.expiresAt ? 'NotRefundable' : null;
            },
            () => refundTx(requestor, at(ids, a.job)),
          );
          if (result) {
            const amount = v.deposited - v.settled;
            expect((await balance(requestor.address)) - before + result.fee, `${where}: refunded`).toBe(
              amount,
            );
            m.foldJob(a.job, t);
            Object.assign(job, { refunded: true, closed: true });
            m.refunded += amount;
          }
          return;
        }
      }
    }

    async function checkInvariants(m: EscrowModel, where: string) {
      const t = await c.now(); // views run at the latest block
      const held = await escrowBalance();
      const claimedTotal = await totalClaimed();
      const final = await latestFinal();
      const message = (what: string) => `${where}: ${what}`;
      let stray = 0n;
      for (const [key, deposit] of m.stray) {
        const [who, j] = key.split(':').map(Number);
        const [requestor, deposited, settled] = await c.publicClient.readContract({
          address: c.escrow,
          abi,
          functionName: 'jobOf',
          args: [idOf(at(requestors, who ?? 0), at(keys, j ?? 0))],
        });
        expect({ requestor, deposited, settled }, message(`stray deposit ${key}: its own job`)).toEqual({
          requestor: at(requestors, who ?? 0).address,
          deposited: deposit.deposited,
          settled: 0n,
        });
        stray += deposit.deposited;
      }
      const bondsHeld = await read('bondsHeld');
      const owedBonds = m.bondRefunds.reduce((a, b) => a + b, 0n);
      const openBonds = m.settlements.filter((x) => x?.status === 'Disputed').length;
      expect(bondsHeld, message('bondsHeld as modelled')).toBe(m.bondsHeld);
      expect(bondsHeld, message('bondsHeld = open disputes + owed back + forfeited')).toBe(
        BigInt(openBonds) * BOND + owedBonds + m.forfeited,
      );
      expect(await read('forfeitedBonds'), message('forfeitedBonds as modelled')).toBe(m.forfeited);
      for (const [i, r] of requestors.entries()) {
        expect(await bondRefundOf(r.address), message(`requestor ${i}: bond owed back`)).toBe(
          m.bondRefunds[i],
        );
      }
      expect(held, message('balance = Σdeposited + stray − totalClaimed − Σrefunded + bonds')).toBe(
        m.deposited + stray - claimedTotal - m.refunded + bondsHeld,
      );
      expect(claimedTotal, message('totalClaimed as modelled')).toBe(m.totalClaimed);
      expect(claimedTotal <= final.total, message('totalClaimed ≤ latest final total')).toBe(true);
      expect(Number(final.id), message('latest final settlement')).toBe(m.finalId(t));
      const modelFinal = m.final(t);
      if (modelFinal) expect(final.root, message('latest final root')).toBe(modelFinal.tree.root);
      let settledSum = 0n;
      let unsettled = 0n;
      for (let j = 0; j < JOBS; j++) {
        const job = await jobOf(at(ids, j));
        const v = m.view(j, t);
        expect(job.settled <= job.deposited, message(`job ${j}: settled ≤ deposited`)).toBe(true);
        expect(
          {
            deposited: job.deposited,
            settled: job.settled,
            closed: job.closed,
            refunded: job.refunded,
            pendingIn: Number(job.pendingIn),
          },
          message(`job ${j} as modelled`),
        ).toEqual({
          deposited: v.deposited,
          settled: v.settled,
          closed: v.closed,
          refunded: v.refunded,
          pendingIn: v.pendingIn,
        });
        settledSum += job.settled;
        if (!job.refunded) unsettled += job.deposited - job.settled;
      }
      // Solvency: the final total is exactly what the jobs settled, and the balance backs every unclaimed
      // credit plus every deposit not yet settled or refunded.
      expect(final.total, message('final total = Σ settled')).toBe(settledSum);
      expect(held, message('balance = unclaimed credit + unsettled deposits + held bonds')).toBe(
        final.total - claimedTotal + unsettled + stray + bondsHeld,
      );
      for (const [i, w] of contributors.entries()) {
        const claimed = await claimedOf(w.address);
        expect(claimed, message(`contributor ${i}: claimed as modelled`)).toBe(m.claimed[i]);
        expect(
          claimed <= (modelFinal?.tree.amount(w.address) ?? 0n),
          message(`contributor ${i}: claimed ≤ cumulative`),
        ).toBe(true);
      }
    }
  }, 150_000);
});
