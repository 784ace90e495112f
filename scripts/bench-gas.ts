// `npm run bench:gas`: what the escrow costs in gas, on a real anvil chain, next to two ways of paying
// contributors without it: a plain ETH transfer per work unit, and one batched push per settlement
// (contracts/test/BatchPayout.sol). The headline is the realistic schedule: a farm of FARM contributors
// settled once every SETTLE_INTERVAL_S, each settlement crediting every active contributor in one root.
// The last line is machine-readable, with the realistic figure:
//   gas: deposit=<n> settle=<n> claim=<n> dispute=<n> per_unit_at_1000=<n>
import { performance } from 'node:perf_hooks';
import type { Address, Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import {
  type Actor,
  at,
  buildTree,
  type CreditTree,
  type EscrowChain,
  escrowWrite,
  idOf,
  jobKey,
  type Leaf,
  startEscrowChain,
  type WriteResult,
  write,
} from '../contracts/test/harness';
import { batchPayoutAbi, batchPayoutBytecode } from '../lib/chain/artifacts/batch-payout';
import { lumengridEscrowAbi } from '../lib/chain/artifacts/lumengrid-escrow';
import { relayedClaimTypedData } from '../lib/settlement/relayed-claim';
import { UNIT_SIZING } from '../lib/work/carve';

const WINDOW = 3600n;
const TREE_SIZE = 1000; // contributors in every settlement's tree: proofs of 9–10 hashes
const BATCH = 50; // payees of one batched push, and contributors a per-unit settlement credits (old schedule)
const FARM = 1000; // contributors every settlement of the realistic schedule credits
const SETTLE_INTERVAL_S = 600; // the realistic schedule: one settlement every 10 minutes
const JOBS_PER_SETTLEMENT = 10; // jobs a realistic settlement touches (each adds a storage update)
const UNITS = [1, 10, 100, 1000];
const ETH = 10n ** 18n;
const GWEI = 10n ** 9n;

const gasOf = async (tx: Promise<WriteResult>): Promise<bigint> => (await tx).receipt.gasUsed;

async function postSettlement(chain: EscrowChain, jobs: { id: Hex; settled: bigint }[], credits: CreditTree) {
  return gasOf(
    escrowWrite(chain, chain.coordinator, {
      functionName: 'postSettlement',
      args: [
        credits.root,
        credits.total,
        jobs.map((j) => j.id),
        jobs.map((j) => j.settled),
        jobs.map(() => false),
      ],
    }),
  );
}

async function claim(chain: EscrowChain, claimant: Actor, credits: CreditTree) {
  const proof = credits.proof(claimant.address);
  const gas = await gasOf(
    escrowWrite(chain, claimant, {
      functionName: 'claim',
      args: [claimant.address, credits.amount(claimant.address), proof],
    }),
  );
  return { gas, proofLength: proof.length };
}

async function main() {
  const started = performance.now();
  const chain = await startEscrowChain({ challengeWindowSeconds: Number(WINDOW) });
  try {
    const requestor = await chain.newActor(10_000n * ETH);
    const keyA = jobKey('bench-a');
    const keyB = jobKey('bench-b');
    const jobA = idOf(requestor, keyA);
    const jobB = idOf(requestor, keyB);
    const expiresAt = (await chain.now()) + 100n * WINDOW;
    const deposit = (key: Hex) =>
      gasOf(
        escrowWrite(chain, requestor, { functionName: 'deposit', args: [key, expiresAt], value: 100n * ETH }),
      );

    // ── escrow ──────────────────────────────────────────────────────────────────────────────────────────
    const depositNew = await deposit(keyA);
    const depositTopUp = await deposit(keyA);
    await deposit(keyB);

    // 1000 contributors with generated keys; the few that claim get ETH to send their own claim (the usual
    // case: the payee is then the transaction's sender, and its account exists).
    const accounts = Array.from(
      { length: TREE_SIZE },
      () => privateKeyToAccount(generatePrivateKey()).address,
    );
    const claimants: Actor[] = [];
    for (let i = 0; i < 3; i++) claimants.push(await chain.newActor(ETH));
    accounts.splice(0, claimants.length, ...claimants.map((a) => a.address));
    const round = (r: number): CreditTree =>
      buildTree(accounts.map((a, i): Leaf => [a, BigInt(r) * BigInt(i + 1) * 1000n * GWEI]));

    // Settlement 1: the first ever (nothing to fold). Settlement 2: a later one of the same job, which folds
    // the previous settlement and the job's previous amount (the steady state). Settlement 3: a later one
    // of a job never settled before.
    const credits1 = round(1);
    const settleFirst = await postSettlement(chain, [{ id: jobA, settled: credits1.total }], credits1);
    await chain.warp(WINDOW);
    const credits2 = round(2);
    const settleSameJob = await postSettlement(chain, [{ id: jobA, settled: credits2.total }], credits2);
    await chain.warp(WINDOW);
    const credits3 = round(3);
    const settleNewJob = await postSettlement(
      chain,
      [{ id: jobB, settled: credits3.total - credits2.total }],
      credits3,
    );
    await chain.warp(WINDOW);

    const claimFirstEver = await claim(chain, at(claimants, 0), credits3); // totalClaimed 0 → non-zero
    const claimTypical = await claim(chain, at(claimants, 1), credits3); // an account's first claim
    // An account that claimed before claims again after a later settlement.
    const credits4 = round(4);
    await postSettlement(
      chain,
      [{ id: jobA, settled: credits4.total - (credits3.total - credits2.total) }],
      credits4,
    );
    await chain.warp(WINDOW);
    const claimAgain = await claim(chain, at(claimants, 1), credits4);

    // Disputes: one the arbiter voids, one the coordinator supersedes, one left to expire; each bond is
    // then withdrawn.
    const dispute = (settlementId: bigint) =>
      gasOf(
        escrowWrite(chain, requestor, {
          functionName: 'dispute',
          args: [settlementId, jobA],
          value: chain.disputeBond,
        }),
      );
    let r = 5;
    const nextSettlement = async () => {
      const credits = round(r++);
      const gas = await postSettlement(
        chain,
        [{ id: jobA, settled: credits.total - (credits3.total - credits2.total) }],
        credits,
      );
      const id = await chain.publicClient.readContract({
        address: chain.escrow,
        abi: lumengridEscrowAbi,
        functionName: 'settlementCount',
      });
      return { gas, id };
    };
    const voided = await nextSettlement();
    const disputeGas = await dispute(voided.id);
    const resolveVoid = await gasOf(
      escrowWrite(chain, chain.arbiter, { functionName: 'resolveDispute', args: [voided.id, false] }),
    );
    const superseded = await nextSettlement();
    await dispute(superseded.id);
    const supersede = await nextSettlement();
    await dispute(supersede.id);
    await chain.warp(chain.arbitrationWindow);
    const expire = await gasOf(
      escrowWrite(chain, chain.coordinator, { functionName: 'expireDispute', args: [supersede.id] }),
    );
    const withdrawBond = await gasOf(
      escrowWrite(chain, requestor, { functionName: 'withdrawBond', args: [] }),
    );

    // A relayed claim (claimRelayed): an account with no ETH signs the relayer its fee, the relayer sends it.
    const relayed = at(claimants, 2);
    const relayedAmount = credits4.amount(relayed.address);
    const relayFee = relayedAmount / 100n;
    const relaySignature = await relayed.signTypedData(
      relayedClaimTypedData(chain.publicClient.chain.id, chain.escrow, {
        account: relayed.address,
        cumulativeAmount: relayedAmount,
        relayer: requestor.address,
        fee: relayFee,
      }),
    );
    const claimRelayed = await gasOf(
      escrowWrite(chain, requestor, {
        functionName: 'claimRelayed',
        args: [relayed.address, relayedAmount, credits4.proof(relayed.address), relayFee, relaySignature],
      }),
    );

    // The realistic settlement: one root for all FARM contributors that touches JOBS_PER_SETTLEMENT jobs,
    // in the steady state (the same jobs as the previous settlement, which it folds).
    const farmKeys = Array.from({ length: JOBS_PER_SETTLEMENT }, (_, i) => jobKey(`bench-farm-${i}`));
    for (const key of farmKeys) await deposit(key);
    const farmJobs = farmKeys.map((key) => idOf(requestor, key));
    const perJob = 100n * 1000n * GWEI; // each round adds this to every farm job
    const base = new Map(accounts.map((a, i): Leaf => [a, 4n * BigInt(i + 1) * 1000n * GWEI]));
    const farmRound = (k: bigint) =>
      buildTree(
        [...base].map(
          ([a, v]): Leaf => [a, v + (k * perJob * BigInt(JOBS_PER_SETTLEMENT)) / BigInt(TREE_SIZE)],
        ),
      );
    const farmSettle = (k: bigint) =>
      postSettlement(
        chain,
        farmJobs.map((id) => ({ id, settled: k * perJob })),
        farmRound(k),
      );
    await farmSettle(1n);
    await chain.warp(WINDOW);
    const settleFarm = await farmSettle(2n);

    // ── baselines ───────────────────────────────────────────────────────────────────────────────────────
    const payer = await chain.newActor(10_000n * ETH);
    const existing = await chain.newActor(ETH);
    const transferHash = await payer.sendTransaction({ to: existing.address, value: GWEI });
    const transfer = (await chain.publicClient.waitForTransactionReceipt({ hash: transferHash })).gasUsed;
    const fresh = privateKeyToAccount(generatePrivateKey()).address;
    const freshHash = await payer.sendTransaction({ to: fresh, value: GWEI });
    const transferFresh = (await chain.publicClient.waitForTransactionReceipt({ hash: freshHash })).gasUsed;

    const deployHash = await payer.deployContract({ abi: batchPayoutAbi, bytecode: batchPayoutBytecode });
    const batch = (await chain.publicClient.waitForTransactionReceipt({ hash: deployHash })).contractAddress;
    if (!batch) throw new Error('BatchPayout deployment failed');
    const push = async (payees: Address[]) => {
      const amounts = payees.map((_, i) => BigInt(i + 1) * 1000n * GWEI);
      const value = amounts.reduce((a, b) => a + b, 0n);
      return gasOf(
        write(chain, payer, {
          address: batch,
          abi: batchPayoutAbi,
          functionName: 'pay',
          args: [payees, amounts],
          value,
        }),
      );
    };
    const existingPayees: Address[] = [];
    for (let i = 0; i < BATCH; i++) existingPayees.push((await chain.newActor(ETH)).address);
    const batchExisting = await push(existingPayees);
    const batchFresh = await push(
      Array.from({ length: BATCH }, () => privateKeyToAccount(generatePrivateKey()).address),
    );
    const perPayee = Number(batchExisting) / BATCH;
    const perPayeeFresh = Number(batchFresh) / BATCH;

    // ── report ──────────────────────────────────────────────────────────────────────────────────────────
    const n = (value: bigint | number) => Math.round(Number(value)).toLocaleString('en-US');
    const row = (cells: string[], widths: number[]) =>
      cells
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  ');
    const line = (label: string, value: bigint | number, note = '') =>
      console.log(`  ${label.padEnd(44)}${n(value).padStart(10)}  ${note}`);

    console.log(`LumengridEscrow gas (anvil, solc optimizer 10,000 runs, Cancun)`);
    console.log(
      `Merkle trees of ${TREE_SIZE} contributors: claim proofs of ${claimTypical.proofLength} hashes.\n`,
    );
    console.log('Escrow operations');
    line('deposit (new job)', depositNew);
    line('deposit (top-up)', depositTopUp);
    line('postSettlement, 1 job, first ever', settleFirst, '(nothing to fold)');
    line(
      'postSettlement, 1 job, later, same job',
      settleSameJob,
      '(folds the previous one: the steady state)',
    );
    line('postSettlement, 1 job, later, new job', settleNewJob);
    line('claim, first on the contract', claimFirstEver.gas, '(totalClaimed 0 → non-zero)');
    line("claim, an account's first", claimTypical.gas, '(claimant sends it itself)');
    line('dispute (with bond)', disputeGas);
    line('resolveDispute, void', resolveVoid, '(bond owed back)');
    line('postSettlement superseding a disputed one', supersede.gas, '(void, bond owed back)');
    line('expireDispute', expire, '(after the arbitration window)');
    line('withdrawBond, 3 bonds', withdrawBond);
    line('claim, again after a later settlement', claimAgain.gas);
    console.log('\nBaselines');
    line('plain ETH transfer', transfer, '(to an existing account)');
    line('plain ETH transfer to a fresh account', transferFresh);
    line(`BatchPayout.pay, ${BATCH} existing payees`, batchExisting, `= ${n(perPayee)} per payee`);
    line(
      `BatchPayout.pay, ${BATCH} fresh payees`,
      batchFresh,
      `= ${n(perPayeeFresh)} per payee (new-account cost)`,
    );

    line("claimRelayed, an account's first", claimRelayed, '(relayer sends it; fee to the relayer)');
    line(
      `postSettlement, ${JOBS_PER_SETTLEMENT} jobs, steady state`,
      settleFarm,
      `(${TREE_SIZE} contributors)`,
    );

    // Old schedule: a settlement per unit, crediting BATCH contributors.
    const settleShare = Number(settleSameJob) / BATCH;
    const claimGas = Number(claimTypical.gas);
    // Realistic schedule: one settlement per interval crediting all FARM contributors, so a contributor's
    // share of one is settle / FARM; a contributor rendering without pause does one unit per
    // UNIT_SIZING.targetSeconds, so N units span ceil(N × unit seconds / interval) settlements.
    const farmShare = Number(settleFarm) / FARM;
    const unitsPerInterval = SETTLE_INTERVAL_S / UNIT_SIZING.targetSeconds;
    const spanned = (units: number) => Math.ceil(units / unitsPerInterval);
    const realistic = (units: number, claimCost: number) => (claimCost + spanned(units) * farmShare) / units;
    console.log(`
Gas per paid work unit for a contributor with N units; with cumulative roots the contributor claims once,
whatever N.
  realistic: a farm of ${n(FARM)} contributors settled every ${SETTLE_INTERVAL_S / 60} minutes, each settlement one root
    for all of them touching ${JOBS_PER_SETTLEMENT} jobs (${n(settleFarm)} gas, so ${n(farmShare)} per contributor). Units aim at
    ${UNIT_SIZING.targetSeconds} s, so N units span ceil(N / ${unitsPerInterval}) settlements:
    escrow = (claim + settlements × settle/${FARM}) / N; relayed: claimRelayed (${n(claimRelayed)}) in place of claim
  per-unit settlement: one settlement per unit crediting ${BATCH} contributors (settle/${BATCH} = ${n(settleShare)}):
    escrow = (claim + N × settle/${BATCH}) / N
  all N in one settlement: escrow = (claim + settle/${BATCH}) / N
  batched push: ${n(perPayee)} gas per payee per settlement (${BATCH} existing payees); plain transfer: one per unit
`);
    const widths = [8, 12, 12, 14, 12, 12, 10];
    console.log(
      row(['units', 'realistic', 'relayed', 'per-unit sett.', '1 sett.', 'push/unit', 'transfer'], widths),
    );
    const perUnit = new Map<number, number>();
    for (const units of UNITS) {
      const headline = realistic(units, claimGas);
      perUnit.set(units, headline);
      const escrowSpread = (claimGas + units * settleShare) / units;
      const escrowOne = (claimGas + settleShare) / units;
      console.log(
        row(
          [
            String(units),
            n(headline),
            n(realistic(units, Number(claimRelayed))),
            n(escrowSpread),
            n(escrowOne),
            n(perPayee),
            n(transfer),
          ],
          widths,
        ),
      );
    }
    const perDay = (86_400 / SETTLE_INTERVAL_S) * Number(settleFarm);
    console.log(
      `\nSettling every ${SETTLE_INTERVAL_S / 60} minutes costs the coordinator ${n(perDay)} gas a day, whatever the farm's size.`,
    );
    console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
    console.log(
      `gas: deposit=${depositNew} settle=${settleSameJob} claim=${claimTypical.gas} dispute=${disputeGas} per_unit_at_1000=${Math.round(perUnit.get(1000) ?? 0)}`,
    );
  } finally {
    await chain.stop();
  }
}

await main();
