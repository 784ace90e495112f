import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  parseEther,
  toHex,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../contracts/test/harness';
import { type Anvil, startAnvil } from './anvil';
import { batchPayoutBytecode } from './artifacts/batch-payout';
import {
  deployEscrow,
  type EscrowRoles,
  estimateDeployment,
  isCompiledEscrowCode,
  verifyDeployment,
} from './deploy-escrow';

// `npm run escrow -- deploy` against anvil standing in for a testnet: what it checks before it sends, what
// it verifies after, and the variables it prints.

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/escrow.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const address = (): Address => privateKeyToAccount(generatePrivateKey()).address;

let anvil: Anvil;
let client: PublicClient;
const deployerKey = generatePrivateKey();
const deployer = privateKeyToAccount(deployerKey);
const admin = address();
const coordinator = address();
const arbiter = address();

beforeAll(async () => {
  anvil = await startAnvil({ port: await freePort() });
  client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient;
  await client.request({
    method: 'anvil_setBalance',
    params: [deployer.address, toHex(parseEther('1'))],
  } as never);
}, 60_000);
afterAll(() => anvil?.stop());

/** The deploy command as an operator runs it, with a real chain's variables (not npm start's defaults). */
async function escrowDeploy(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, 'deploy', ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LUMENGRID_RPC_URL: anvil.rpcUrl,
        LUMENGRID_CHAIN_ID: '31337',
        LUMENGRID_DEPLOYER_KEY: deployerKey,
        LUMENGRID_ADMIN_ADDRESS: admin,
        ...env,
      },
    });
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

const nonce = () => client.getTransactionCount({ address: deployer.address });

describe('npm run escrow -- deploy on a real chain', () => {
  it('prints the estimated cost and sends nothing without --yes', async () => {
    const before = await nonce();
    const { code, out } = await escrowDeploy([coordinator, arbiter, '3600']);
    expect(code).toBe(0);
    expect(out).toMatch(
      /Estimated cost: at most 0\.\d+ ETH \(\d+ gas at up to [\d.]+ gwei\); the deployer holds 1 ETH/,
    );
    expect(out).toContain('Nothing sent. Run the same command with --yes');
    expect(await nonce()).toBe(before);
  }, 60_000);

  it('refuses an RPC that serves another chain than LUMENGRID_CHAIN_ID, before anything is sent', async () => {
    const before = await nonce();
    const { code, out } = await escrowDeploy([coordinator, arbiter, '--yes'], {
      LUMENGRID_CHAIN_ID: '84532',
    });
    expect(code).toBe(1);
    expect(out).toContain('The RPC serves chain 31337 (Local chain (anvil)), not LUMENGRID_CHAIN_ID=84532');
    const unset = await escrowDeploy([coordinator, arbiter, '--yes'], { LUMENGRID_CHAIN_ID: '' });
    expect(unset.out).toContain('Set LUMENGRID_CHAIN_ID to the chain to deploy on (this RPC serves 31337');
    expect(await nonce()).toBe(before);
  }, 60_000);

  it('refuses a deployer that cannot pay the estimated cost', async () => {
    const poor = generatePrivateKey();
    const { code, out } = await escrowDeploy([coordinator, arbiter, '--yes'], {
      LUMENGRID_DEPLOYER_KEY: poor,
    });
    expect(code).toBe(1);
    expect(out).toMatch(/The deployer lacks 0\.\d+ ETH: send Local chain \(anvil\) ETH to 0x[0-9a-fA-F]{40}/);
  }, 60_000);

  it('deploys with --yes, verifies the code on chain and prints the coordinator’s variables', async () => {
    const { code, out } = await escrowDeploy([coordinator, arbiter, '3600', '7200', '5000', '--yes']);
    expect(code, out).toBe(0);
    expect(out).toMatch(/Verified: the code at 0x[0-9a-fA-F]{40} is the compiled LumengridEscrow/);
    const escrow = out.match(/^LUMENGRID_ESCROW_ADDRESS=(0x[0-9a-fA-F]{40})$/m)?.[1] as Address;
    expect(out).toContain(`LUMENGRID_RPC_URL=${anvil.rpcUrl}\nLUMENGRID_CHAIN_ID=31337\n`);
    expect(out).toContain(`LUMENGRID_COORDINATOR_KEY=<the private key of ${coordinator}>`);
    // What it printed is the escrow it deployed, as asked.
    const roles: EscrowRoles = {
      admin,
      coordinator,
      arbiter,
      challengeWindowSeconds: 3600,
      arbitrationWindowSeconds: 7200,
      disputeBondWei: 5000n,
    };
    expect(await verifyDeployment(client, escrow, roles, deployer.address)).toEqual([]);
  }, 90_000);
});

describe('deployment checks', () => {
  const roles: EscrowRoles = {
    admin,
    coordinator,
    arbiter,
    challengeWindowSeconds: 60,
    arbitrationWindowSeconds: 120,
    disputeBondWei: 10n,
  };
  let escrow: Address;

  beforeAll(async () => {
    const wallet = createWalletClient({ account: deployer, chain: foundry, transport: http(anvil.rpcUrl) });
    escrow = await deployEscrow(wallet, client, roles);
  }, 60_000);

  it('estimates about what the deployment then takes', async () => {
    const estimate = await estimateDeployment(client, deployer.address, roles);
    expect(estimate.gas).toBeGreaterThan(1_000_000n);
    expect(estimate.maxCostWei).toBe(estimate.gas * estimate.maxFeePerGas);
  });

  it('accepts the deployment as asked and names what differs from it', async () => {
    expect(await verifyDeployment(client, escrow, roles, deployer.address)).toEqual([]);
    const other = address();
    expect(
      await verifyDeployment(
        client,
        escrow,
        { ...roles, coordinator: other, disputeBondWei: 11n },
        deployer.address,
      ),
    ).toEqual(['disputeBond is 10', `coordinator (${other}) lacks its role`]);
  });

  it('tells the compiled escrow from other code, whatever its immutables hold', async () => {
    const code = (await client.getCode({ address: escrow })) as Hex;
    expect(isCompiledEscrowCode(code)).toBe(true);
    // One byte of logic changed (the first byte is outside every immutable): not the escrow.
    const tampered =
      `0x${(Number.parseInt(code.slice(2, 4), 16) ^ 1).toString(16).padStart(2, '0')}${code.slice(4)}` as Hex;
    expect(isCompiledEscrowCode(tampered)).toBe(false);
    expect(isCompiledEscrowCode(batchPayoutBytecode)).toBe(false);
    expect(isCompiledEscrowCode(undefined)).toBe(false);
    await client.request({ method: 'anvil_setCode', params: [escrow, tampered] } as never);
    expect(await verifyDeployment(client, escrow, roles)).toEqual([
      expect.stringContaining('is not the compiled LumengridEscrow'),
    ]);
  });
});
