import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PrivateKeyAccount,
  parseEther,
  toHex,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Anvil, startAnvil } from '../chain/anvil';
import { lumengridEscrowAbi } from '../chain/artifacts/lumengrid-escrow';
import { DEFAULT_DISPUTE_BOND_WEI, deployEscrow } from '../chain/deploy-escrow';
import { createEscrowClient, type EscrowClient } from '../chain/escrow-client';
import { createRelayer } from '../chain/relayer-wallet';
import { sessionPublicKey, signPayoutBinding } from '../client/session-key';
import { serverConfig } from '../config/server-config';
import type { PaymentsContext } from '../coordinator/context';
import { jobControlMessage } from '../protocol/job-control';
import { type FarmApi, runFarm } from '../testing/farm';
import { renderLeaseHonestly, standInRender } from '../testing/stand-in-renderer';
import { createTestContext } from '../testing/test-context';
import { inProcessFarmApi, STAND_IN_ADAPTER } from '../testing/test-support';
import { controlJob } from '../work/job-control';
import { createJob, getJob } from '../work/jobs';
import { leaseUnit } from '../work/lease-unit';
import { submitResult } from '../work/submit-result';
import { claimsView } from './claims';
import { syncJobDeposit, syncRefunds } from './job-payment';
import { bindPayoutAddress } from './payout-address';
import { DEPOSIT_LIFETIME_SECONDS, payoutBindingMessage } from './pricing';
import { relayClaim } from './relay';
import { relayedClaimTypedData } from './relayed-claim';
import { CLOSE_GRACE_MS, reconcile, settle } from './settlement';

// The whole money path on a real anvil chain and the real coordinator: a paid job waits for its deposit,
// contributors render it (deterministic stand-in renderer), verified credit is settled in a Merkle root, the
// challenge window passes, contributors claim exactly what they earned and the requestor gets the rest back.

const WINDOW = 600;
const PRICE = 1_000_000n; // wei per pixel-sample: small numbers keep the arithmetic readable
const JOB = { scene: 'cornell', width: 32, height: 32, samplesPerPixel: 4, tileSize: 16, samplesPerUnit: 2 };

let anvil: Anvil;
let t: Awaited<ReturnType<typeof createTestContext>>;
let escrow: EscrowClient;
let payments: PaymentsContext;
let escrowAddress: Address;
let arbiter: PrivateKeyAccount;
const publicClient = () => createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) });
const walletOf = (account: PrivateKeyAccount) =>
  createWalletClient({ account, chain: foundry, transport: http(anvil.rpcUrl) });

async function funded(key: Hex = generatePrivateKey()): Promise<PrivateKeyAccount> {
  const account = privateKeyToAccount(key);
  await publicClient().request({
    method: 'anvil_setBalance',
    params: [account.address, toHex(parseEther('100'))],
  } as never);
  return account;
}

async function warp(seconds: number) {
  await publicClient().request({ method: 'evm_increaseTime', params: [toHex(seconds)] } as never);
  await publicClient().request({ method: 'evm_mine', params: [] } as never);
}

let snapshot: Hex;
beforeAll(async () => {
  anvil = await startAnvil({ port: 18_545 + Math.floor(Math.random() * 1000) });
  const coordinatorKey = generatePrivateKey();
  const coordinator = await funded(coordinatorKey);
  arbiter = await funded();
  // The admin deploys; the coordinator's key only ever holds COORDINATOR_ROLE.
  const admin = await funded();
  escrowAddress = await deployEscrow(walletOf(admin), publicClient() as never, {
    admin: admin.address,
    coordinator: coordinator.address,
    arbiter: arbiter.address,
    challengeWindowSeconds: WINDOW,
    arbitrationWindowSeconds: 2 * WINDOW,
    disputeBondWei: DEFAULT_DISPUTE_BOND_WEI,
  });
  escrow = createEscrowClient({
    rpcUrl: anvil.rpcUrl,
    chainId: foundry.id,
    address: escrowAddress,
    coordinatorKey,
  });
  payments = { escrow, priceWeiPerPixelSample: PRICE, publicRpcUrl: anvil.rpcUrl };
  t = await createTestContext({ leaseTtlMs: 60_000 });
  snapshot = await publicClient().request({ method: 'evm_snapshot', params: [] } as never);
}, 60_000);
afterAll(async () => {
  await t?.close();
  await anvil?.stop();
});
beforeEach(async () => {
  await t.reset();
  t.ctx.payments = payments;
  // Every test starts from the freshly deployed escrow (and a fresh snapshot for the next one).
  await publicClient().request({ method: 'evm_revert', params: [snapshot] } as never);
  snapshot = await publicClient().request({ method: 'evm_snapshot', params: [] } as never);
});

const ADAPTER = STAND_IN_ADAPTER;
const farmApi = (): FarmApi => inProcessFarmApi(() => t.ctx);

/** What the contribute page sends: the wallet's signature and this session key's, with its public key. */
async function bindingBody(sessionId: string, account: PrivateKeyAccount, sessionKeyOf = sessionId) {
  const message = payoutBindingMessage(sessionId, account.address, foundry.id);
  return {
    address: account.address,
    signature: await account.signMessage({ message }),
    sessionSignature: await signPayoutBinding(sessionKeyOf, account.address, foundry.id),
    sessionPublicKey: await sessionPublicKey(sessionKeyOf),
  };
}

async function bind(sessionId: string, account: PrivateKeyAccount) {
  return bindPayoutAddress(t.ctx, sessionId, await bindingBody(sessionId, account));
}

/** Deposits `value` from `from` under the job's key (into `from`'s own escrow job for that key). */
async function depositUnderKey(
  from: PrivateKeyAccount,
  job: { payment: { chainJobKey: Hex } | null },
  value: bigint,
) {
  const expiresAt = BigInt(Math.floor(Date.now() / 1000) + DEPOSIT_LIFETIME_SECONDS);
  const hash = await walletOf(from).writeContract({
    address: escrowAddress,
    abi: lumengridEscrowAbi,
    functionName: 'deposit',
    args: [job.payment?.chainJobKey as Hex, expiresAt],
    value,
  });
  await publicClient().waitForTransactionReceipt({ hash });
}

async function createPaidJob(requestor: PrivateKeyAccount) {
  const probe = await createJob({ ...t.ctx, payments }, { ...JOB, budgetWei: '1' }).catch((e) => e);
  const budgetWei: string = probe.details.depositWei;
  const job = await createJob(t.ctx, { ...JOB, budgetWei, requestor: requestor.address });
  await depositUnderKey(requestor, job, BigInt(budgetWei));
  return { job, budgetWei: BigInt(budgetWei) };
}

async function disputeAs(requestor: PrivateKeyAccount, settlementId: bigint, chainJobId: Hex) {
  const hash = await walletOf(requestor).writeContract({
    address: escrowAddress,
    abi: lumengridEscrowAbi,
    functionName: 'dispute',
    args: [settlementId, chainJobId],
    value: await escrow.disputeBond(),
  });
  await publicClient().waitForTransactionReceipt({ hash });
}

/** Three honest contributors render the whole job; returns their session ids. */
async function renderJob(prefix: string) {
  const report = await runFarm(
    farmApi(),
    [0, 1, 2].map((i) => ({ strategy: 'honest' as const, origin: `10.0.0.${i + 1}` })),
    standInRender,
    {
      sessionPrefix: prefix,
      onIdle: () => {
        t.clock.now += 16_000;
      },
    },
  );
  return report.sessions.get('honest') ?? [];
}

/** One session leases and honestly renders `count` pieces of work (units or checks), whatever it is given. */
async function renderAs(sessionId: string, count: number) {
  for (let i = 0; i < count; i++) {
    const lease = await leaseUnit(t.ctx, { sessionId, adapter: ADAPTER }, { origin: '10.0.0.1' });
    if (!lease) throw new Error(`no work for ${sessionId}`);
    const data = await renderLeaseHonestly(lease);
    await submitResult(t.ctx, { leaseId: lease.leaseId, sessionId, body: new Uint8Array(data.buffer) });
  }
}

async function claimOnChain(account: Address, relayer: PrivateKeyAccount) {
  const view = await claimsView(t.ctx, account);
  if (!view.claim) throw new Error(`nothing claimable for ${account}`);
  const hash = await walletOf(relayer).writeContract({
    address: escrowAddress,
    abi: lumengridEscrowAbi,
    functionName: 'claim',
    args: [account, BigInt(view.claim.cumulativeWei), view.claim.proof],
  });
  return publicClient().waitForTransactionReceipt({ hash });
}

describe('payments', () => {
  it('refuses a budget below the deposit the job needs, naming the minimum', async () => {
    const error = await createJob(t.ctx, { ...JOB, budgetWei: '1000' }).catch((e) => e);
    expect(error.name).toBe('InvalidRequestError');
    expect(error.message).toMatch(/below the deposit this job needs/);
    // 32×32 px × 4 spp at 1e6 wei, plus verification of new contributors.
    expect(BigInt(error.details.depositWei)).toBeGreaterThan(32n * 32n * 4n * PRICE);
    const unpaid = await createJob({ ...t.ctx, payments: null }, { ...JOB, budgetWei: '5' }).catch((e) => e);
    expect(unpaid.message).toMatch(/takes no payments/);
  });

  it('refuses a paid job without its requestor, and an unpaid one with one', async () => {
    const probe = await createJob(t.ctx, { ...JOB, budgetWei: '1' }).catch((e) => e);
    const noRequestor = await createJob(t.ctx, { ...JOB, budgetWei: probe.details.depositWei }).catch(
      (e) => e,
    );
    expect(noRequestor.message).toMatch(/needs its requestor/);
    const unpaid = await createJob(t.ctx, { ...JOB, requestor: (await funded()).address }).catch((e) => e);
    expect(unpaid.message).toMatch(/Only a paid job has a requestor/);
  });

  it("counts only the requestor's deposit: another address depositing under the job's key neither funds nor blocks it", async () => {
    const requestor = await funded();
    const squatter = await funded();
    const probe = await createJob(t.ctx, { ...JOB, budgetWei: '1' }).catch((e) => e);
    const budget = BigInt(probe.details.depositWei);
    const job = await createJob(t.ctx, {
      ...JOB,
      budgetWei: budget.toString(),
      requestor: requestor.address,
    });
    // The job key is public (it is in the job's view); the squatter front-runs with 1 wei, then the budget.
    await depositUnderKey(squatter, job, 1n);
    await depositUnderKey(squatter, job, budget);
    expect(await syncJobDeposit(t.ctx, job.id)).toBe(false);
    expect((await getJob(t.ctx, job.id)).payment).toMatchObject({
      state: 'awaiting-deposit',
      requestor: requestor.address,
      depositedWei: '0',
    });
    // The requestor's own deposit still goes through and starts the job.
    await depositUnderKey(requestor, job, budget);
    expect(await syncJobDeposit(t.ctx, job.id)).toBe(true);
    expect((await getJob(t.ctx, job.id)).payment).toMatchObject({
      state: 'funded',
      requestor: requestor.address,
      depositedWei: budget.toString(),
    });
  });

  it('hands out no work for a paid job until the escrow holds its deposit', async () => {
    const requestor = await funded();
    const probe = await createJob(t.ctx, { ...JOB, budgetWei: '1' }).catch((e) => e);
    const job = await createJob(t.ctx, {
      ...JOB,
      budgetWei: probe.details.depositWei,
      requestor: requestor.address,
    });
    expect(job.status).toBe('awaiting-deposit');
    expect(job.payment?.requestor).toBe(requestor.address);
    expect(await leaseUnit(t.ctx, { sessionId: 'early-bird-1' }, {})).toBeNull();
    // Depositing too little does not start it.
    await depositUnderKey(requestor, job, BigInt(probe.details.depositWei) - 1n);
    expect(await syncJobDeposit(t.ctx, job.id)).toBe(false);
    expect((await getJob(t.ctx, job.id)).status).toBe('awaiting-deposit');
    await depositUnderKey(requestor, job, 1n);
    expect(await syncJobDeposit(t.ctx, job.id)).toBe(true);
    const started = await getJob(t.ctx, job.id);
    expect(started.status).toBe('rendering');
    expect(started.payment).toMatchObject({
      state: 'funded',
      requestor: requestor.address,
      depositedWei: probe.details.depositWei,
    });
    expect(await leaseUnit(t.ctx, { sessionId: 'early-bird-1' }, {})).not.toBeNull();
  });

  it('pays contributors exactly their verified work after the window, and refunds the requestor the rest', async () => {
    const requestor = await funded();
    const { job, budgetWei } = await createPaidJob(requestor);
    await syncJobDeposit(t.ctx, job.id);
    const payees = [await funded(), await funded(), await funded()];
    const relayer = await funded();
    // Sessions are named by the farm; bind each to its own address before any work is settled.
    const sessions = ['pay-honest-1', 'pay-honest-2', 'pay-honest-3'];
    for (const [i, session] of sessions.entries()) await bind(session, payees[i] as PrivateKeyAccount);
    expect(await renderJob('pay')).toEqual(sessions);
    expect((await getJob(t.ctx, job.id)).status).toBe('done');

    const posted = await settle(t.ctx, payments);
    expect(posted).toMatchObject({ posted: true, jobs: 1, leaves: 3 });
    // Inside the window: owed but not claimable; a second round posts nothing new.
    const earned = new Map<Address, bigint>();
    for (const payee of payees) {
      const view = await claimsView(t.ctx, payee.address);
      const credit = await t.ctx.db.query<{ ps: string }>(
        `SELECT sum(c.pixel_samples)::text AS ps FROM credits c JOIN payout_addresses a ON a.session_id = c.session_id
         WHERE a.address = $1`,
        [payee.address],
      );
      const value = BigInt(credit[0]?.ps ?? 0) * PRICE;
      expect(value).toBeGreaterThan(0n);
      earned.set(payee.address, value);
      expect(view).toMatchObject({
        claimableWei: '0',
        claimedWei: '0',
        pendingWei: value.toString(),
        claim: null,
      });
    }
    expect(await settle(t.ctx, payments)).toEqual({ posted: false, reason: 'open-settlement' });

    await warp(WINDOW);
    await reconcile(t.ctx, payments);
    expect((await getJob(t.ctx, job.id)).payment?.state).toBe('closed');
    for (const payee of payees) {
      const before = await publicClient().getBalance({ address: payee.address });
      await claimOnChain(payee.address, relayer);
      const after = await publicClient().getBalance({ address: payee.address });
      expect(after - before).toBe(earned.get(payee.address));
      expect(await claimsView(t.ctx, payee.address)).toMatchObject({
        claimableWei: '0',
        pendingWei: '0',
        claimedWei: earned.get(payee.address)?.toString(),
        claim: null,
      });
    }
    const paid = [...earned.values()].reduce((a, b) => a + b, 0n);
    const requestorBefore = await publicClient().getBalance({ address: requestor.address });
    const refund = await walletOf(requestor).writeContract({
      address: escrowAddress,
      abi: lumengridEscrowAbi,
      functionName: 'refund',
      args: [job.payment?.chainJobId as Hex],
    });
    const receipt = await publicClient().waitForTransactionReceipt({ hash: refund });
    await syncRefunds(t.ctx);
    expect((await getJob(t.ctx, job.id)).payment?.state).toBe('refunded');
    const requestorAfter = await publicClient().getBalance({ address: requestor.address });
    expect(requestorAfter - requestorBefore + receipt.gasUsed * receipt.effectiveGasPrice).toBe(
      budgetWei - paid,
    );
    expect(await publicClient().getBalance({ address: escrowAddress })).toBe(0n);
  }, 120_000);

  it("pays a cancelled job's contributors their verified work and refunds the requestor the unsettled rest", async () => {
    const requestor = await funded();
    const { job, budgetWei } = await createPaidJob(requestor);
    await syncJobDeposit(t.ctx, job.id);
    const payee = await funded();
    const relayer = await funded();
    const renderers = ['cancel-honest-1', 'cancel-honest-2', 'cancel-honest-3'];
    const checkers = ['cancelhelp-honest-1', 'cancelhelp-honest-2', 'cancelhelp-honest-3'];
    for (const session of [...renderers, ...checkers]) await bind(session, payee);
    // Three contributors hold a unit each when the requestor cancels.
    const inFlight = [];
    for (const [i, sessionId] of renderers.entries()) {
      const lease = await leaseUnit(t.ctx, { sessionId, adapter: ADAPTER }, { origin: `10.0.2.${i + 1}` });
      if (!lease) throw new Error('no work');
      inFlight.push({ sessionId, lease });
    }
    await expect(controlJob(t.ctx, job.id, 'cancel', null)).rejects.toMatchObject({ status: 401 });
    const cancelled = await controlJob(t.ctx, job.id, 'cancel', { token: job.ownerToken, from: 'header' });
    expect(cancelled.status).toBe('cancelled');
    // Their work, done in good faith, is still taken and verified; nothing new is handed out.
    for (const { sessionId, lease } of inFlight) {
      const data = await renderLeaseHonestly(lease);
      await submitResult(t.ctx, { leaseId: lease.leaseId, sessionId, body: new Uint8Array(data.buffer) });
    }
    await runFarm(
      farmApi(),
      [1, 2, 3].map((i) => ({ strategy: 'honest' as const, origin: `10.0.3.${i}` })),
      standInRender,
      {
        sessionPrefix: 'cancelhelp',
        onIdle: () => {
          t.clock.now += 16_000;
        },
      },
    );
    const after = await getJob(t.ctx, job.id);
    expect(after.status).toBe('cancelled');
    expect(after.unitsDone).toBe(3);
    const unitsOfJob = await t.ctx.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM units WHERE job_id = $1 AND state <> 'pending'`,
      [job.id],
    );
    expect(Number(unitsOfJob[0]?.n)).toBe(3);

    // Once its credit matures the settlement closes the job; after the window, claims and the refund.
    t.clock.now += serverConfig().LUMENGRID_AUDIT_WINDOW_MS + 1;
    expect(await settle(t.ctx, payments)).toMatchObject({ posted: true, jobs: 1 });
    await warp(WINDOW);
    await reconcile(t.ctx, payments);
    expect((await getJob(t.ctx, job.id)).payment?.state).toBe('closed');
    const before = await publicClient().getBalance({ address: payee.address });
    await claimOnChain(payee.address, relayer);
    const paid = (await publicClient().getBalance({ address: payee.address })) - before;
    const [credit] = await t.ctx.db.query<{ ps: string }>(
      'SELECT sum(pixel_samples)::text AS ps FROM credits WHERE job_id = $1 AND forfeited_at IS NULL',
      [job.id],
    );
    expect(paid).toBe(BigInt(credit?.ps ?? 0) * PRICE);
    expect(paid).toBeGreaterThan(0n);

    const requestorBefore = await publicClient().getBalance({ address: requestor.address });
    const refund = await walletOf(requestor).writeContract({
      address: escrowAddress,
      abi: lumengridEscrowAbi,
      functionName: 'refund',
      args: [job.payment?.chainJobId as Hex],
    });
    const receipt = await publicClient().waitForTransactionReceipt({ hash: refund });
    await syncRefunds(t.ctx);
    expect((await getJob(t.ctx, job.id)).payment?.state).toBe('refunded');
    const refunded =
      (await publicClient().getBalance({ address: requestor.address })) -
      requestorBefore +
      receipt.gasUsed * receipt.effectiveGasPrice;
    expect(refunded).toBe(budgetWei - paid);
    // Most of the deposit comes back: three units of a 32-unit job were paid for.
    expect(refunded).toBeGreaterThan(budgetWei / 2n);
    expect(await publicClient().getBalance({ address: escrowAddress })).toBe(0n);
  }, 120_000);

  it("lets a paid job's depositing wallet cancel it by signing the control, and nobody else's signature", async () => {
    const requestor = await funded();
    const other = await funded();
    const { job } = await createPaidJob(requestor);
    const expiresAt = Math.floor(t.clock.now / 1000) + 300;
    const sign = (account: PrivateKeyAccount, action: string, expiry = expiresAt) =>
      account.signMessage({ message: jobControlMessage(job.id, action, expiry) });
    const proof = async (account: PrivateKeyAccount, action: string, expiry = expiresAt) => ({
      signature: await sign(account, action, expiry),
      expiresAt: expiry,
    });
    await expect(
      controlJob(t.ctx, job.id, 'cancel', null, await proof(other, 'cancel')),
    ).rejects.toMatchObject({
      status: 403,
    });
    // Signed for another action, or expired, or valid for too long: refused.
    await expect(
      controlJob(t.ctx, job.id, 'cancel', null, await proof(requestor, 'pause')),
    ).rejects.toMatchObject({
      status: 403,
    });
    const past = Math.floor(t.clock.now / 1000) - 1;
    await expect(
      controlJob(t.ctx, job.id, 'cancel', null, await proof(requestor, 'cancel', past)),
    ).rejects.toMatchObject({ status: 403 });
    const far = Math.floor(t.clock.now / 1000) + 3600;
    await expect(
      controlJob(t.ctx, job.id, 'cancel', null, await proof(requestor, 'cancel', far)),
    ).rejects.toMatchObject({ status: 403 });
    expect((await getJob(t.ctx, job.id)).status).toBe('awaiting-deposit');
    const cancelled = await controlJob(t.ctx, job.id, 'cancel', null, await proof(requestor, 'cancel'));
    expect(cancelled.status).toBe('cancelled');
  });

  it('settles more work later cumulatively: a second claim pays only the difference', async () => {
    const requestor = await funded();
    const { job } = await createPaidJob(requestor);
    await syncJobDeposit(t.ctx, job.id);
    const payee = await funded();
    await bind('cum-honest-1', payee);
    // One contributor renders a few units, is settled and claims; then the rest is rendered.
    await renderAs('cum-honest-1', 3);
    // Probation: its first units wait for checks, which need other contributors. Let two check.
    await runFarm(
      farmApi(),
      [1, 2].map((i) => ({ strategy: 'honest' as const, origin: `10.0.1.${i}` })),
      standInRender,
      {
        sessionPrefix: 'helper',
        maxSteps: 12,
        onIdle: () => {
          t.clock.now += 16_000;
        },
      },
    );
    const first = await settle(t.ctx, payments);
    expect(first.posted).toBe(true);
    await warp(WINDOW);
    await reconcile(t.ctx, payments);
    const firstView = await claimsView(t.ctx, payee.address);
    const firstAmount = BigInt(firstView.claimableWei);
    expect(firstAmount).toBeGreaterThan(0n);
    const relayer = await funded();
    await claimOnChain(payee.address, relayer);

    // More work by the same contributor: a second job, so there is surely work left for it to lease
    // (the helpers above may have rendered the rest of the first job themselves).
    const { job: secondJob } = await createPaidJob(requestor);
    await syncJobDeposit(t.ctx, secondJob.id);
    await renderAs('cum-honest-1', 2);
    await renderJob('cum');
    const second = await settle(t.ctx, payments);
    expect(second).toMatchObject({ posted: true });
    await warp(WINDOW);
    await reconcile(t.ctx, payments);
    const view = await claimsView(t.ctx, payee.address);
    expect(BigInt(view.claimedWei)).toBe(firstAmount);
    const before = await publicClient().getBalance({ address: payee.address });
    await claimOnChain(payee.address, relayer);
    const after = await publicClient().getBalance({ address: payee.address });
    expect(after - before).toBe(BigInt(view.claimableWei));
    expect(BigInt(view.claim?.cumulativeWei ?? 0)).toBe(firstAmount + (after - before));
  }, 120_000);

  it('keeps a job open while credit waits for a payout address, then closes it after the grace period', async () => {
    const requestor = await funded();
    const { job } = await createPaidJob(requestor);
    await syncJobDeposit(t.ctx, job.id);
    const payee = await funded();
    await bind('grace-honest-1', payee); // the other two never bind
    await renderJob('grace');
    await settle(t.ctx, payments);
    await warp(WINDOW);
    await reconcile(t.ctx, payments);
    expect((await getJob(t.ctx, job.id)).payment?.state).toBe('funded');
    t.clock.now += CLOSE_GRACE_MS;
    expect(await settle(t.ctx, payments)).toMatchObject({ posted: true, jobs: 1 });
    await warp(WINDOW);
    await reconcile(t.ctx, payments);
    const closed = await getJob(t.ctx, job.id);
    expect(closed.payment?.state).toBe('closed');
    // Only the bound contributor was paid for: settled equals its credit.
    expect(closed.payment?.settledWei).toBe((await claimsView(t.ctx, payee.address)).claim?.cumulativeWei);
  }, 120_000);

  it('holds a job whose settlement the arbiter voided after the requestor disputed it', async () => {
    const requestor = await funded();
    const { job } = await createPaidJob(requestor);
    await syncJobDeposit(t.ctx, job.id);
    const payee = await funded();
    for (const i of [1, 2, 3]) await bind(`dispute-honest-${i}`, payee);
    await renderJob('dispute');
    const posted = await settle(t.ctx, payments);
    if (!posted.posted || posted.onchainId === null) throw new Error('not posted');
    await disputeAs(requestor, posted.onchainId, job.payment?.chainJobId as Hex);
    await reconcile(t.ctx, payments);
    const [disputed] = await t.ctx.db.query<{ state: string }>('SELECT state FROM settlements');
    expect(disputed?.state).toBe('disputed');
    expect((await getJob(t.ctx, job.id)).payment?.state).toBe('held');
    // The window passing does not make a disputed settlement final.
    await warp(WINDOW);
    await reconcile(t.ctx, payments);
    expect((await claimsView(t.ctx, payee.address)).claimableWei).toBe('0');
    const voidTx = await walletOf(arbiter).writeContract({
      address: escrowAddress,
      abi: lumengridEscrowAbi,
      functionName: 'resolveDispute',
      args: [posted.onchainId, false],
    });
    await publicClient().waitForTransactionReceipt({ hash: voidTx });
    await reconcile(t.ctx, payments);
    const held = await getJob(t.ctx, job.id);
    expect(held.payment).toMatchObject({ state: 'held', settledWei: '0' });
    // Nothing more is settled for a held job; its requestor can take the deposit back once it expires.
    expect(await settle(t.ctx, payments)).toEqual({ posted: false, reason: 'nothing-new' });
    expect(await claimsView(t.ctx, payee.address)).toMatchObject({ claimableWei: '0', pendingWei: '0' });
  }, 120_000);

  it("a dispute of one job does not stop the others' payouts: the next settlement supersedes the disputed one", async () => {
    const disputer = await funded();
    const other = await funded();
    const { job: disputedJob } = await createPaidJob(disputer);
    const { job: otherJob } = await createPaidJob(other);
    await syncJobDeposit(t.ctx, disputedJob.id);
    await syncJobDeposit(t.ctx, otherJob.id);
    const payee = await funded();
    for (const i of [1, 2, 3]) await bind(`supersede-honest-${i}`, payee);
    await renderJob('supersede');
    const first = await settle(t.ctx, payments);
    if (!first.posted || first.onchainId === null) throw new Error('not posted');
    expect(first.jobs).toBe(2);
    await disputeAs(disputer, first.onchainId, disputedJob.payment?.chainJobId as Hex);
    // The next round holds the disputed job and posts the other one's credit again, superseding the first.
    const second = await settle(t.ctx, payments);
    if (!second.posted || second.onchainId === null) throw new Error('not posted');
    expect(second.jobs).toBe(1);
    expect(await escrow.statusOf(first.onchainId)).toBe('void');
    await warp(WINDOW);
    await reconcile(t.ctx, payments);
    const states = await t.ctx.db.query<{ onchain_id: string; state: string }>(
      'SELECT onchain_id, state FROM settlements ORDER BY id',
    );
    expect(states.map((s) => s.state)).toEqual(['void', 'final']);
    expect((await getJob(t.ctx, disputedJob.id)).payment).toMatchObject({ state: 'held', settledWei: '0' });
    const paid = await getJob(t.ctx, otherJob.id);
    expect(BigInt(paid.payment?.settledWei ?? 0)).toBeGreaterThan(0n);
    expect((await claimsView(t.ctx, payee.address)).claimableWei).toBe(paid.payment?.settledWei);
    // The disputer's bond is owed back (the coordinator, not the arbiter, ended the dispute).
    const owed = await publicClient().readContract({
      address: escrowAddress,
      abi: lumengridEscrowAbi,
      functionName: 'bondRefunds',
      args: [disputer.address],
    });
    expect(owed).toBe(await escrow.disputeBond());
  }, 120_000);

  it('binds a payout address only with that address’s signature, once per session', async () => {
    const payee = await funded();
    const other = await funded();
    const message = payoutBindingMessage('bind-session-1', payee.address, foundry.id);
    const forged = await other.signMessage({ message });
    await expect(
      bindPayoutAddress(t.ctx, 'bind-session-1', {
        ...(await bindingBody('bind-session-1', payee)),
        signature: forged,
      }),
    ).rejects.toThrow(/not .* signature/);
    expect(await bind('bind-session-1', payee)).toEqual({ address: payee.address, alreadyBound: false });
    expect(await bind('bind-session-1', payee)).toEqual({ address: payee.address, alreadyBound: true });
    await expect(bind('bind-session-1', other)).rejects.toThrow(/already pays out/);
  });

  it('binds a session only with that session’s own key: knowing its id is not enough to take its credit', async () => {
    const victim = 'hijack-victim-1';
    const thief = await funded();
    // The victim's tab leased with its key: the key is pinned to the session.
    await leaseUnit(t.ctx, { sessionId: victim, publicKey: await sessionPublicKey(victim) });
    // The thief signs with their own wallet (valid for their address) and their own session key.
    const withThiefKey = await bindingBody(victim, thief, 'hijack-thief-1');
    await expect(bindPayoutAddress(t.ctx, victim, withThiefKey)).rejects.toThrow(/belongs to another key/);
    await expect(
      bindPayoutAddress(t.ctx, victim, { ...withThiefKey, sessionPublicKey: undefined }),
    ).rejects.toThrow(/does not match this session’s key/);
    const { sessionSignature: _, sessionPublicKey: __, ...unsigned } = withThiefKey;
    await expect(bindPayoutAddress(t.ctx, victim, unsigned)).rejects.toThrow(/not signed by the session/);
    // Nothing was bound: the victim binds its own address.
    const payee = await funded();
    expect(await bind(victim, payee)).toEqual({ address: payee.address, alreadyBound: false });
  });

  it('adopts a settlement that reached the chain although its transaction hash was never recorded', async () => {
    const requestor = await funded();
    const { job } = await createPaidJob(requestor);
    await syncJobDeposit(t.ctx, job.id);
    await bind('crash-honest-1', await funded());
    await bind('crash-honest-2', await funded());
    await bind('crash-honest-3', await funded());
    await renderJob('crash');
    // The RPC answer to the send is lost (as if the process died right after sending).
    const lossy: PaymentsContext = {
      ...payments,
      escrow: {
        ...escrow,
        sendSettlement: async (call) => {
          await escrow.sendSettlement(call);
          throw new Error('socket hang up');
        },
      },
    };
    expect(await settle(t.ctx, lossy)).toMatchObject({ posted: false, reason: 'failed' });
    // Nothing is built twice while the outcome is unknown; once mined, a round finds it on chain by its root.
    const rows = async () =>
      (
        await t.ctx.db.query<{ state: string; onchain_id: string | null }>(
          'SELECT state, onchain_id FROM settlements',
        )
      ).map((r) => [r.state, Number(r.onchain_id)]);
    for (let round = 0; round < 20 && (await rows())[0]?.[0] !== 'pending'; round++) {
      expect(await settle(t.ctx, payments)).toEqual({ posted: false, reason: 'open-settlement' });
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await rows()).toEqual([['pending', 1]]);
    await warp(WINDOW);
    await reconcile(t.ctx, payments);
    expect((await getJob(t.ctx, job.id)).payment?.state).toBe('closed');
  }, 120_000);
});

// ─── relayed claims ──────────────────────────────────────────────────────────────────────────────────────

describe('relayed claims ("Claim without gas")', () => {
  // A price high enough that a 1% fee pays a relayed claim's gas on anvil (~1 gwei base fee).
  const RELAY_PRICE = 10n ** 14n;
  let relayerAccount: PrivateKeyAccount;
  const relayPayments = (feeBps: number): PaymentsContext => ({
    ...payments,
    priceWeiPerPixelSample: RELAY_PRICE,
    relay: createRelayer({ rpcUrl: anvil.rpcUrl, chain: foundry, relayerKey: relayerKeyHex, feeBps }),
  });
  let relayerKeyHex: Hex;
  const balanceOf = (address: Address) => publicClient().getBalance({ address });

  /** A paid job rendered by three contributors whose payout addresses hold 0 ETH, settled and final. */
  async function settledWithUnfundedPayees(prefix: string) {
    const requestor = await funded();
    const probe = await createJob(t.ctx, { ...JOB, budgetWei: '1' }).catch((e) => e);
    const job = await createJob(t.ctx, {
      ...JOB,
      budgetWei: probe.details.depositWei,
      requestor: requestor.address,
    });
    await depositUnderKey(requestor, job, BigInt(probe.details.depositWei));
    await syncJobDeposit(t.ctx, job.id);
    const payees = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()));
    for (const [i, payee] of payees.entries()) await bind(`${prefix}-honest-${i + 1}`, payee);
    await renderJob(prefix);
    expect(await settle(t.ctx, t.ctx.payments as PaymentsContext)).toMatchObject({ posted: true });
    await warp(WINDOW);
    await reconcile(t.ctx, t.ctx.payments as PaymentsContext);
    return payees;
  }

  async function signedRequest(payee: PrivateKeyAccount, cumulativeWei: string, feeWei: string) {
    const signature = await payee.signTypedData(
      relayedClaimTypedData(foundry.id, escrowAddress, {
        account: payee.address,
        cumulativeAmount: BigInt(cumulativeWei),
        relayer: relayerAccount.address,
        fee: BigInt(feeWei),
      }),
    );
    return { cumulativeWei, feeWei, signature };
  }

  beforeEach(async () => {
    relayerKeyHex = generatePrivateKey();
    relayerAccount = await funded(relayerKeyHex);
  });

  it('pays a contributor with 0 ETH its claim minus the fee, the relayer the fee; a second relay pays nothing', async () => {
    t.ctx.payments = relayPayments(100);
    const [payee, other] = await settledWithUnfundedPayees('relay');
    if (!payee || !other) throw new Error('no payees');
    expect(await balanceOf(payee.address)).toBe(0n);
    const view = await claimsView(t.ctx, payee.address);
    const claimable = BigInt(view.claimableWei);
    expect(claimable).toBeGreaterThan(0n);
    const fee = claimable / 100n;
    expect(view.relay).toEqual({
      available: true,
      relayer: relayerAccount.address,
      feeWei: fee.toString(),
      feeBps: 100,
    });
    const body = await signedRequest(payee, view.claim?.cumulativeWei as string, fee.toString());
    const relayerBefore = await balanceOf(relayerAccount.address);
    const sent = await relayClaim(t.ctx, payee.address, body);
    expect(sent).toMatchObject({ paidWei: (claimable - fee).toString(), feeWei: fee.toString() });
    const receipt = await publicClient().waitForTransactionReceipt({ hash: sent.txHash });
    expect(receipt.status).toBe('success');
    expect(await balanceOf(payee.address)).toBe(claimable - fee);
    const gas = receipt.gasUsed * receipt.effectiveGasPrice;
    expect((await balanceOf(relayerAccount.address)) - relayerBefore + gas).toBe(fee);
    // The fee paid for the gas, so the relayer is not out of pocket.
    expect(fee).toBeGreaterThan(gas);
    expect(await claimsView(t.ctx, payee.address)).toMatchObject({ claimableWei: '0', claim: null });

    // The same signed claim again: refused before any gas is spent.
    const relayerAfter = await balanceOf(relayerAccount.address);
    const again = await relayClaim(t.ctx, payee.address, body).catch((e) => e);
    expect(again).toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/Nothing is claimable/),
    });
    expect(await balanceOf(relayerAccount.address)).toBe(relayerAfter);
    expect(await balanceOf(payee.address)).toBe(claimable - fee);
  }, 120_000);

  it('spends no gas on a bad signature, a raised fee, an account with nothing claimable, or past the account limit', async () => {
    t.ctx.payments = relayPayments(100);
    const [payee] = await settledWithUnfundedPayees('limits');
    if (!payee) throw new Error('no payee');
    const view = await claimsView(t.ctx, payee.address);
    const cumulative = view.claim?.cumulativeWei as string;
    const fee = (BigInt(view.claimableWei) / 100n).toString();
    const relayerBefore = await balanceOf(relayerAccount.address);

    // Someone else's signature for this account's claim.
    const stranger = privateKeyToAccount(generatePrivateKey());
    const forged = {
      ...(await signedRequest(stranger, cumulative, fee)),
    };
    expect(await relayClaim(t.ctx, payee.address, forged).catch((e) => e)).toMatchObject({
      name: 'InvalidRequestError',
      message: expect.stringMatching(/signature/),
    });
    // Malformed and oversized input is refused before anything is checked.
    const huge = { cumulativeWei: cumulative, feeWei: fee, signature: `0x${'ab'.repeat(5000)}` };
    expect(await relayClaim(t.ctx, payee.address, huge).catch((e) => e)).toMatchObject({
      name: 'InvalidRequestError',
    });
    // An account with nothing claimable, signing for itself.
    const empty = await signedRequest(stranger, cumulative, fee);
    expect(await relayClaim(t.ctx, stranger.address, empty).catch((e) => e)).toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/Nothing is claimable/),
    });
    // The account's own signature with a fee above the operator's share, then the right one: the first took
    // the account's one relay for the next five minutes.
    const greedy = await signedRequest(payee, cumulative, (BigInt(fee) * 2n).toString());
    expect(await relayClaim(t.ctx, payee.address, greedy).catch((e) => e)).toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/fee/),
    });
    const right = await signedRequest(payee, cumulative, fee);
    expect(await relayClaim(t.ctx, payee.address, right).catch((e) => e)).toMatchObject({
      name: 'RateLimitedError',
    });
    expect(await balanceOf(relayerAccount.address)).toBe(relayerBefore);
    expect(await balanceOf(payee.address)).toBe(0n);
  }, 120_000);

  it('does not relay a claim whose fee would not pay the gas, and says how much is enough', async () => {
    t.ctx.payments = relayPayments(1); // 0.01%
    const [payee] = await settledWithUnfundedPayees('small');
    if (!payee) throw new Error('no payee');
    const view = await claimsView(t.ctx, payee.address);
    expect(view.relay).toMatchObject({
      available: false,
      reason: expect.stringMatching(/too little to relay/),
    });
    const fee = (BigInt(view.claimableWei) / 10_000n).toString();
    const body = await signedRequest(payee, view.claim?.cumulativeWei as string, fee);
    const relayerBefore = await balanceOf(relayerAccount.address);
    expect(await relayClaim(t.ctx, payee.address, body).catch((e) => e)).toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/does not pay the gas/),
    });
    expect(await balanceOf(relayerAccount.address)).toBe(relayerBefore);
  }, 120_000);
});
