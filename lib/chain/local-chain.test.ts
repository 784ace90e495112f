import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../contracts/test/harness';
import { lumengridEscrowAbi } from './artifacts/lumengrid-escrow';
import { type LocalChain, startLocalChain } from './local-chain';

const dir = mkdtempSync(join(tmpdir(), 'lumengrid-chain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function roles(chain: LocalChain) {
  const client = createPublicClient({ transport: http(chain.rpcUrl) });
  const contract = { address: chain.escrowAddress, abi: lumengridEscrowAbi } as const;
  const admin = await client.readContract({ ...contract, functionName: 'DEFAULT_ADMIN_ROLE' });
  const has = (role: `0x${string}`, key: `0x${string}`) =>
    client.readContract({
      ...contract,
      functionName: 'hasRole',
      args: [role, privateKeyToAccount(key).address],
    });
  return {
    coordinatorIsAdmin: await has(admin, chain.coordinatorKey),
    adminIsAdmin: await has(admin, chain.adminKey),
    coordinatorIsCoordinator: await has(
      await client.readContract({ ...contract, functionName: 'COORDINATOR_ROLE' }),
      chain.coordinatorKey,
    ),
  };
}

describe('the local chain of npm start', () => {
  it("deploys with a separate admin key: the coordinator's hot key is not admin; a changed contract is redeployed", async () => {
    const port = await freePort();
    const first = await startLocalChain({ dir, port, challengeWindowSeconds: 60 });
    try {
      expect(first.freshDeployment).toBe(true);
      expect(first.adminKey).not.toBe(first.coordinatorKey);
      expect(await roles(first)).toEqual({
        coordinatorIsAdmin: false,
        adminIsAdmin: true,
        coordinatorIsCoordinator: true,
      });
    } finally {
      await first.anvil.stop();
    }
    // A deployment of other bytecode (an older contract) is replaced, keeping the keys.
    const path = join(dir, 'deployment.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), bytecodeHash: '0x00' }));
    const again = await startLocalChain({ dir, port, challengeWindowSeconds: 60 });
    try {
      expect(again.freshDeployment).toBe(true);
      expect(again.coordinatorKey).toBe(first.coordinatorKey);
      expect((await roles(again)).coordinatorIsAdmin).toBe(false);
    } finally {
      await again.anvil.stop();
    }
  }, 60_000);
});
