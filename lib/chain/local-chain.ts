import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  parseEther,
  toHex,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { type Anvil, startAnvil } from './anvil';
import { deployEscrow } from './deploy-escrow';

/**
 * The chain `npm start` runs: anvil with its state in `dir` (kept across restarts), the escrow deployed
 * once, and the coordinator's and arbiter's keys generated on first start into `dir/keys.json` (mode 600,
 * ignored by git). Nothing secret is in the repository; a real chain is configured through the environment.
 */
export interface LocalChain {
  anvil: Anvil;
  rpcUrl: string;
  chainId: number;
  escrowAddress: Address;
  coordinatorKey: Hex;
  arbiterKey: Hex;
  challengeWindowSeconds: number;
  freshDeployment: boolean;
}

interface Keys {
  coordinatorKey: Hex;
  arbiterKey: Hex;
}

interface Deployment {
  chainId: number;
  escrowAddress: Address;
  challengeWindowSeconds: number;
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
  let keys = readJson<Keys>(keysPath);
  if (!keys) {
    keys = { coordinatorKey: generatePrivateKey(), arbiterKey: generatePrivateKey() };
    writeFileSync(keysPath, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  }
  const anvil = await startAnvil({ port: options.port, statePath: join(options.dir, 'anvil-state.json') });
  try {
    const chain = { ...foundry, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
    const publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
    const coordinator = privateKeyToAccount(keys.coordinatorKey);
    const arbiter = privateKeyToAccount(keys.arbiterKey);
    // A local chain's ether is free: keep the operators' gas money topped up.
    for (const account of [coordinator.address, arbiter.address]) {
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
    if (known && code && code !== '0x') {
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
    const wallet = createWalletClient({ account: coordinator, chain, transport: http(anvil.rpcUrl) });
    const escrowAddress = await deployEscrow(wallet, publicClient as never, {
      coordinator: coordinator.address,
      arbiter: arbiter.address,
      challengeWindowSeconds: options.challengeWindowSeconds,
    });
    const deployment: Deployment = {
      chainId: chain.id,
      escrowAddress,
      challengeWindowSeconds: options.challengeWindowSeconds,
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
