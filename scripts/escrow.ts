// `npm run escrow -- <command>`: operator tools for the escrow on any EVM chain.
//
//   status                       the latest settlements and what is open
//   resolve <id> uphold|void     the arbiter's firm resolution of a disputed settlement
//   expire <id>                  voids a dispute the arbiter left past its window (anyone; bond returned)
//   deploy <coordinator> <arbiter> [windowSeconds] [arbitrationSeconds] [disputeBondWei]
//                                deploys a new escrow (prints its address)
//
// Chain and keys come from the environment, as for the coordinator (lib/settlement/config.ts):
// LUMENGRID_RPC_URL, LUMENGRID_CHAIN_ID, LUMENGRID_ESCROW_ADDRESS, and LUMENGRID_ARBITER_KEY (resolve,
// expire) or LUMENGRID_DEPLOYER_KEY (deploy). A deployment gives DEFAULT_ADMIN_ROLE to
// LUMENGRID_ADMIN_ADDRESS (required on other chains: a cold key or multisig, never the coordinator's key).
// Without LUMENGRID_RPC_URL they default to `npm start`'s local chain (.lumengrid/chain), whose admin and
// arbiter keys were generated there (the admin key deploys).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  isAddress,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { lumengridEscrowAbi } from '../lib/chain/artifacts/lumengrid-escrow';
import {
  DEFAULT_ARBITRATION_WINDOW_SECONDS,
  DEFAULT_DISPUTE_BOND_WEI,
  deployEscrow,
} from '../lib/chain/deploy-escrow';
import { chainFor } from '../lib/chain/known-chains';

const STATUS = ['none', 'pending', 'disputed', 'final', 'void'];

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function localDefaults() {
  const dir = resolve(process.env.LUMENGRID_CHAIN_DIR || '.lumengrid/chain');
  const read = (file: string) =>
    existsSync(resolve(dir, file)) ? JSON.parse(readFileSync(resolve(dir, file), 'utf8')) : {};
  const deployment = read('deployment.json');
  const keys = read('keys.json');
  return {
    rpcUrl: `http://127.0.0.1:${process.env.LUMENGRID_ANVIL_PORT || 8545}`,
    chainId: deployment.chainId ?? 31337,
    escrow: deployment.escrowAddress as Hex | undefined,
    arbiterKey: keys.arbiterKey as Hex | undefined,
    deployerKey: keys.adminKey as Hex | undefined,
  };
}

const local = process.env.LUMENGRID_RPC_URL ? null : localDefaults();
const rpcUrl = process.env.LUMENGRID_RPC_URL || (local?.rpcUrl as string);
const chainId = Number(process.env.LUMENGRID_CHAIN_ID || local?.chainId);
const chain = chainFor(chainId, rpcUrl);
const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
const [command, ...args] = process.argv.slice(2);

function escrowAddress(): Hex {
  const address = process.env.LUMENGRID_ESCROW_ADDRESS || local?.escrow;
  if (!address || !isAddress(address))
    fail('Set LUMENGRID_ESCROW_ADDRESS (or run npm start once for the local chain).');
  return address as Hex;
}

function walletFor(key: string | undefined, variable: string) {
  if (!key) fail(`Set ${variable} to the private key of that role.`);
  const account = privateKeyToAccount(key as Hex);
  return createWalletClient({ account, chain, transport: http(rpcUrl) });
}

async function main() {
  if (command === 'status') {
    const address = escrowAddress();
    const contract = { address, abi: lumengridEscrowAbi } as const;
    const count = await publicClient.readContract({ ...contract, functionName: 'settlementCount' });
    const [finalId, , finalTotal] = await publicClient.readContract({
      ...contract,
      functionName: 'latestFinalSettlement',
    });
    console.log(
      `escrow ${address} on chain ${chainId}: ${count} settlement(s); latest final #${finalId}, total ${finalTotal} wei`,
    );
    for (let id = count; id > 0n && id > count - 10n; id--) {
      const [root, total, postedAt, until, status, disputedJob, disputer, arbitrationEndsAt] =
        await publicClient.readContract({
          ...contract,
          functionName: 'settlement',
          args: [id],
        });
      const disputed = /^0x0+$/.test(disputedJob)
        ? ''
        : ` disputed by ${disputer} for job ${disputedJob} (arbiter until ${new Date(Number(arbitrationEndsAt) * 1000).toISOString()})`;
      console.log(
        `  #${id} ${STATUS[status]} total=${total} root=${root.slice(0, 10)}… posted=${new Date(Number(postedAt) * 1000).toISOString()} disputable until ${new Date(Number(until) * 1000).toISOString()}${disputed}`,
      );
    }
  } else if (command === 'resolve') {
    const [id, verdict] = args;
    if (!id || !/^[0-9]+$/.test(id) || (verdict !== 'uphold' && verdict !== 'void')) {
      fail('Usage: npm run escrow -- resolve <settlementId> uphold|void');
    }
    const wallet = walletFor(process.env.LUMENGRID_ARBITER_KEY || local?.arbiterKey, 'LUMENGRID_ARBITER_KEY');
    const hash = await wallet.writeContract({
      address: escrowAddress(),
      abi: lumengridEscrowAbi,
      functionName: 'resolveDispute',
      args: [BigInt(id), verdict === 'uphold'],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    console.log(
      `settlement ${id} ${verdict === 'uphold' ? 'upheld' : 'voided'}: ${hash} (${receipt.status})`,
    );
  } else if (command === 'expire') {
    const [id] = args;
    if (!id || !/^[0-9]+$/.test(id)) fail('Usage: npm run escrow -- expire <settlementId>');
    const wallet = walletFor(process.env.LUMENGRID_ARBITER_KEY || local?.arbiterKey, 'LUMENGRID_ARBITER_KEY');
    const hash = await wallet.writeContract({
      address: escrowAddress(),
      abi: lumengridEscrowAbi,
      functionName: 'expireDispute',
      args: [BigInt(id)],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    console.log(`dispute of settlement ${id} expired: ${hash} (${receipt.status})`);
  } else if (command === 'deploy') {
    const [
      coordinator,
      arbiter,
      window = '86400',
      arbitration = String(DEFAULT_ARBITRATION_WINDOW_SECONDS),
      bond = DEFAULT_DISPUTE_BOND_WEI.toString(),
    ] = args;
    if (
      !coordinator ||
      !isAddress(coordinator) ||
      !arbiter ||
      !isAddress(arbiter) ||
      ![window, arbitration, bond].every((n) => /^[0-9]+$/.test(n))
    ) {
      fail(
        'Usage: npm run escrow -- deploy <coordinatorAddress> <arbiterAddress> [challengeWindowSeconds] [arbitrationWindowSeconds] [disputeBondWei]',
      );
    }
    const wallet = walletFor(
      process.env.LUMENGRID_DEPLOYER_KEY || local?.deployerKey,
      'LUMENGRID_DEPLOYER_KEY',
    );
    const admin = process.env.LUMENGRID_ADMIN_ADDRESS || (local ? wallet.account.address : undefined);
    if (!admin || !isAddress(admin)) {
      fail('Set LUMENGRID_ADMIN_ADDRESS to the address that administers the escrow (not the coordinator).');
    }
    if (admin.toLowerCase() === coordinator.toLowerCase()) {
      fail('The admin must not be the coordinator: its key is on the server (set LUMENGRID_ADMIN_ADDRESS).');
    }
    const address = await deployEscrow(wallet as never, publicClient as never, {
      admin,
      coordinator,
      arbiter,
      challengeWindowSeconds: Number(window),
      arbitrationWindowSeconds: Number(arbitration),
      disputeBondWei: BigInt(bond),
    });
    console.log(`LUMENGRID_ESCROW_ADDRESS=${address}`);
  } else {
    fail(
      'Usage: npm run escrow -- status | resolve <id> uphold|void | expire <id> | deploy <coordinator> <arbiter> [window] [arbitration] [bondWei]',
    );
  }
}

main().catch((error: unknown) => {
  const reverted =
    error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
  const name = reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
  fail(
    name ? `The escrow refused: ${name}` : error instanceof BaseError ? error.shortMessage : String(error),
  );
});
