import { randomBytes } from 'node:crypto';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  parseEther,
  toHex,
} from 'viem';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Anvil, startAnvil } from '../chain/anvil';
import { lumengridEscrowAbi } from '../chain/artifacts/lumengrid-escrow';
import { DEFAULT_DISPUTE_BOND_WEI, deployEscrow } from '../chain/deploy-escrow';
import { createEscrowClient } from '../chain/escrow-client';
import { sessionPublicKey, signPayoutBinding } from '../client/session-key';
import type { CoordinatorContext } from '../coordinator/context';
import { migrate } from '../coordinator/db/migrations';
import { openPostgres } from '../coordinator/db/postgres';
import type { Sql } from '../coordinator/db/sql';
import { runFarm } from '../testing/farm';
import { type InstanceProcess, startInstance, until } from '../testing/instance-process';
import { standInRender } from '../testing/stand-in-renderer';
import { inProcessFarmApi } from '../testing/test-support';
import { createJob, getJob } from '../work/jobs';
import { claimsView } from './claims';
import { syncJobDeposit } from './job-payment';
import { bindPayoutAddress } from './payout-address';
import { DEPOSIT_LIFETIME_SECONDS, payoutBindingMessage } from './pricing';

// The payments leader fails over with money on the line: two coordinator instances (processes of their own,
// lib/testing/instance-child.ts) on one PostgreSQL and one anvil chain. Work is accepted and credited, the
// leader is killed before its next round, and the other instance posts the settlement: on chain, under the
// coordinator's key, and claimable for exactly the work once the challenge window passes. `npm run test:pg`.

const url = process.env.LUMENGRID_TEST_DATABASE_URL;
const WINDOW = 600;
const PRICE = 1_000_000n;
const JOB = { scene: 'cornell', width: 32, height: 32, samplesPerPixel: 4, tileSize: 16, samplesPerUnit: 2 };
/** The leader's rounds are this far apart: it does one at its start, then none while the test runs. */
const LEADER_INTERVAL_MS = 600_000;
const FOLLOWER_INTERVAL_MS = 300;

describe.skipIf(!url)('the payments leader on a real chain', () => {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  let admin: Sql;
  let db: Sql;
  let anvil: Anvil;
  let escrowAddress: Address;
  let coordinatorAddress: Address;
  let ctx: CoordinatorContext;
  const instances: InstanceProcess[] = [];
  let instanceEnv: Record<string, string>;
  // The test's own coordinator (requests and contributors come through it) runs no payments loop. Its clock
  // stands an hour back and moves on by hand, so that everything it credits has matured for the instances,
  // which read the real clock.
  const clock = { now: Date.now() - 3_600_000 };

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

  beforeAll(async () => {
    anvil = await startAnvil({ port: 19_545 + Math.floor(Math.random() * 1000) });
    const coordinatorKey = generatePrivateKey();
    coordinatorAddress = (await funded(coordinatorKey)).address;
    const arbiter = await funded();
    const deployer = await funded();
    escrowAddress = await deployEscrow(walletOf(deployer), publicClient() as never, {
      admin: deployer.address,
      coordinator: coordinatorAddress,
      arbiter: arbiter.address,
      challengeWindowSeconds: WINDOW,
      arbitrationWindowSeconds: 2 * WINDOW,
      disputeBondWei: DEFAULT_DISPUTE_BOND_WEI,
    });
    admin = await openPostgres({ connectionString: url as string, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    db = await openPostgres({ connectionString: url as string, schema, max: 4 });
    await migrate(db);
    ctx = {
      db,
      now: () => clock.now,
      leaseTtlMs: 60_000,
      onJobChanged: () => {},
      payments: {
        escrow: createEscrowClient({
          rpcUrl: anvil.rpcUrl,
          chainId: foundry.id,
          address: escrowAddress,
          coordinatorKey,
        }),
        priceWeiPerPixelSample: PRICE,
        publicRpcUrl: anvil.rpcUrl,
      },
    };
    instanceEnv = {
      LUMENGRID_RPC_URL: anvil.rpcUrl,
      LUMENGRID_CHAIN_ID: String(foundry.id),
      LUMENGRID_ESCROW_ADDRESS: escrowAddress,
      LUMENGRID_COORDINATOR_KEY: coordinatorKey,
      LUMENGRID_PRICE_WEI: String(PRICE),
    };
  }, 60_000);
  afterAll(async () => {
    for (const { child } of instances) child.kill('SIGKILL');
    await db?.close();
    await admin?.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin?.close();
    await anvil?.stop();
  });

  // Not the product's lock: instances.test.ts may elect its own leaders on this server at the same time.
  const leaderLock = 7_300_000 + Math.floor(Math.random() * 100_000);
  const start = async (intervalMs: number) => {
    const instance = await startInstance(
      `${url}#${schema}`,
      { ...instanceEnv, LUMENGRID_SETTLE_INTERVAL_MS: String(intervalMs) },
      leaderLock,
    );
    instances.push(instance);
    return instance;
  };
  const leading = async (i: InstanceProcess) =>
    (await i.ask<{ leading: boolean }>({ cmd: 'leading' })).leading;

  it('settles accepted work from the other instance when the leader is killed before its round', async () => {
    const leader = await start(LEADER_INTERVAL_MS);
    await until(() => leading(leader), 20_000);
    const follower = await start(FOLLOWER_INTERVAL_MS);
    // The follower asks for the lock every 300 ms and is refused: the leader holds it.
    await new Promise((r) => setTimeout(r, 4 * FOLLOWER_INTERVAL_MS));
    expect(await leading(follower)).toBe(false);

    // A paid job, funded on chain, rendered by three honest contributors with payout addresses.
    const requestor = await funded();
    const probe = await createJob(ctx, { ...JOB, budgetWei: '1' }).catch((e) => e);
    const budgetWei: string = probe.details.depositWei;
    const job = await createJob(ctx, { ...JOB, budgetWei, requestor: requestor.address });
    const deposit = await walletOf(requestor).writeContract({
      address: escrowAddress,
      abi: lumengridEscrowAbi,
      functionName: 'deposit',
      args: [
        job.payment?.chainJobKey as Hex,
        BigInt(Math.floor(Date.now() / 1000) + DEPOSIT_LIFETIME_SECONDS),
      ],
      value: BigInt(budgetWei),
    });
    await publicClient().waitForTransactionReceipt({ hash: deposit });
    // The leader's next round is minutes away: the deposit is taken in here, as its round would.
    expect(await syncJobDeposit(ctx, job.id)).toBe(true);
    const payees = [await funded(), await funded(), await funded()];
    const sessions = ['failover-honest-1', 'failover-honest-2', 'failover-honest-3'];
    for (const [i, sessionId] of sessions.entries()) {
      const payee = payees[i] as PrivateKeyAccount;
      await bindPayoutAddress(ctx, sessionId, {
        address: payee.address,
        signature: await payee.signMessage({
          message: payoutBindingMessage(sessionId, payee.address, foundry.id),
        }),
        sessionSignature: await signPayoutBinding(sessionId, payee.address, foundry.id),
        sessionPublicKey: await sessionPublicKey(sessionId),
      });
    }
    const report = await runFarm(
      inProcessFarmApi(() => ctx),
      [0, 1, 2].map((i) => ({ strategy: 'honest' as const, origin: `10.0.0.${i + 1}` })),
      standInRender,
      {
        sessionPrefix: 'failover',
        onIdle: () => {
          clock.now += 16_000;
        },
      },
    );
    expect(report.sessions.get('honest')).toEqual(sessions);
    expect((await getJob(ctx, job.id)).status).toBe('done');
    const earned = new Map<Address, bigint>();
    for (const payee of payees) {
      const [row] = await db.query<{ ps: string | null }>(
        `SELECT sum(c.pixel_samples)::text AS ps FROM credits c
           JOIN payout_addresses a ON a.session_id = c.session_id WHERE a.address = $1`,
        [payee.address],
      );
      earned.set(payee.address, BigInt(row?.ps ?? 0) * PRICE);
      expect(earned.get(payee.address)).toBeGreaterThan(0n);
    }
    // Credited, and nobody settled it: the leader waits for its next round, the follower may not.
    expect(await db.query("SELECT id FROM settlements WHERE state <> 'failed'")).toEqual([]);

    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await until(() => leading(follower), 10_000);
    await until(
      async () =>
        (await db.query('SELECT 1 FROM settlements WHERE onchain_id IS NOT NULL AND tx_hash IS NOT NULL'))
          .length > 0,
      30_000,
    );
    const postedIn = Date.now() - killedAt;
    const [posted] = await db.query<{ onchain_id: string; root: Hex; tx_hash: Hex; total_wei: string }>(
      'SELECT onchain_id::text, root, tx_hash, total_wei::text FROM settlements WHERE onchain_id IS NOT NULL',
    );
    const total = [...earned.values()].reduce((a, b) => a + b, 0n);
    expect(BigInt(posted?.total_wei ?? 0)).toBe(total);
    // On chain: posted from the coordinator's key, and the root the escrow holds is the one recorded.
    const tx = await publicClient().getTransaction({ hash: posted?.tx_hash as Hex });
    expect(tx.from.toLowerCase()).toBe(coordinatorAddress.toLowerCase());
    expect(await ctx.payments?.escrow.settlementRoot(BigInt(posted?.onchain_id ?? 0))).toBe(posted?.root);
    console.log(`payments failover: settlement posted by the other instance ${postedIn} ms after kill -9`);

    // After the challenge window the follower's round finalizes it, and each payee claims exactly its work.
    await publicClient().request({ method: 'evm_increaseTime', params: [toHex(WINDOW)] } as never);
    await publicClient().request({ method: 'evm_mine', params: [] } as never);
    const relayer = await funded();
    for (const payee of payees) {
      await until(async () => (await claimsView(ctx, payee.address)).claim !== null, 30_000);
      const view = await claimsView(ctx, payee.address);
      expect(BigInt(view.claimableWei)).toBe(earned.get(payee.address));
      const before = await publicClient().getBalance({ address: payee.address });
      const hash = await walletOf(relayer).writeContract({
        address: escrowAddress,
        abi: lumengridEscrowAbi,
        functionName: 'claim',
        args: [payee.address, BigInt(view.claim?.cumulativeWei ?? 0), view.claim?.proof ?? []],
      });
      expect((await publicClient().waitForTransactionReceipt({ hash })).status).toBe('success');
      const after = await publicClient().getBalance({ address: payee.address });
      expect(after - before).toBe(earned.get(payee.address));
    }
  }, 180_000);
});
