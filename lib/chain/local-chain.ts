import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  parseEther,
  toHex,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { type Anvil, startAnvil } from './anvil';
import { lumengridEscrowBytecode } from './artifacts/lumengrid-escrow';
import { DEFAULT_ARBITRATION_WINDOW_SECONDS, DEFAULT_DISPUTE_BOND_WEI, deployEscrow } from './deploy-escrow';

/**
 * The chain `npm start` runs: anvil with its state in `dir` (kept across restarts), the escrow deployed
 * once (again when the contract's bytecode changed), and the admin's, coordinator's, arbiter's and relayer's keys
 * generated on first start into `dir/keys.json` (mode 600, ignored by git). The admin key deploys and holds
 * DEFAULT_ADMIN_ROLE; the coordinator's hot key, which the server holds, only COORDINATOR_ROLE. Nothing
 * secret is in the repository; a real chain is configured through the environment.
 */
export interface LocalChain {
  anvil: Anvil;
  rpcUrl: string;
  chainId: number;
  escrowAddress: Address;
  /** DEFAULT_ADMIN_ROLE's key: stays with the operator tools, never in the server's environment. */
  adminKey: Hex;
  coordinatorKey: Hex;
  arbiterKey: Hex;
  /** Sends relayed claims ("Claim without gas"): a key of its own, so its nonces never race the coordinator's. */
  relayerKey: Hex;
  challengeWindowSeconds: number;
  freshDeployment: boolean;
}

interface Keys {
  adminKey: Hex;
  coordinatorKey: Hex;
  arbiterKey: Hex;
  relayerKey: Hex;
}

interface Deployment {
  chainId: number;
  escrowAddress: Address;
  challengeWindowSeconds: number;
  /** keccak256 of the deployed creation bytecode: a changed contract is deployed afresh. */
  bytecodeHash?: Hex;
}

function readJson<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

export async function startLocalChain(options: {
  dir: string;
  port: number;
  challengeWindowSeconds: number;
}): Promise<LocalChain> {
  mkdirSync(options.dir, { recursive: true });
  const keysPath = join(options.dir, 'keys.json');
  const stored = readJson<Partial<Keys>>(keysPath);
  const keys: Keys = {
    coordinatorKey: stored?.coordinatorKey ?? generatePrivateKey(),
    arbiterKey: stored?.arbiterKey ?? generatePrivateKey(),
    // Older folders have no admin key (the coordinator's used to deploy): one is added.
    adminKey: stored?.adminKey ?? generatePrivateKey(),
    relayerKey: stored?.relayerKey ?? generatePrivateKey(),
  };
  if (!stored?.adminKey || !stored.coordinatorKey || !stored.arbiterKey || !stored.relayerKey) {
    writeFileSync(keysPath, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  }
  const anvil = await startAnvil({ port: options.port, statePath: join(options.dir, 'anvil-state.json') });
  try {
    const chain = { ...foundry, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
    const publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
    const coordinator = privateKeyToAccount(keys.coordinatorKey);
    const arbiter = privateKeyToAccount(keys.arbiterKey);
    const admin = privateKeyToAccount(keys.adminKey);
    const relayer = privateKeyToAccount(keys.relayerKey);
    // A local chain's ether is free: keep the operators' gas money topped up.
    for (const account of [coordinator.address, arbiter.address, admin.address, relayer.address]) {
      if ((await publicClient.getBalance({ address: account })) < parseEther('10')) {
        await publicClient.request({
          method: 'anvil_setBalance',
          params: [account, toHex(parseEther('1000'))],
        } as never);
      }
    }
    const deploymentPath = join(options.dir, 'deployment.json');
    const known = readJson<Deployment>(deploymentPath);
    const code = known ? await publicClient.getCode({ address: known.escrowAddress }) : undefined;
    const bytecodeHash = keccak256(lumengridEscrowBytecode);
    if (known && code && code !== '0x' && known.bytecodeHash === bytecodeHash) {
      return {
        anvil,
        rpcUrl: anvil.rpcUrl,
        chainId: chain.id,
        escrowAddress: known.escrowAddress,
        ...keys,
        challengeWindowSeconds: known.challengeWindowSeconds,
        freshDeployment: false,
      };
    }
    // The admin deploys: the coordinator's key never holds DEFAULT_ADMIN_ROLE.
    const wallet = createWalletClient({ account: admin, chain, transport: http(anvil.rpcUrl) });
    const escrowAddress = await deployEscrow(wallet, publicClient as never, {
      admin: admin.address,
      coordinator: coordinator.address,
      arbiter: arbiter.address,
      challengeWindowSeconds: options.challengeWindowSeconds,
      arbitrationWindowSeconds: DEFAULT_ARBITRATION_WINDOW_SECONDS,
      disputeBondWei: DEFAULT_DISPUTE_BOND_WEI,
    });
    const deployment: Deployment = {
      chainId: chain.id,
      escrowAddress,
      challengeWindowSeconds: options.challengeWindowSeconds,
      bytecodeHash,
    };
    writeFileSync(deploymentPath, `${JSON.stringify(deployment, null, 2)}\n`);
    return {
      anvil,
      rpcUrl: anvil.rpcUrl,
      chainId: chain.id,
      escrowAddress,
      ...keys,
      challengeWindowSeconds: options.challengeWindowSeconds,
      freshDeployment: true,
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}
