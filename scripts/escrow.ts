// `npm run escrow -- <command>`: operator tools for the escrow on any EVM chain.
//
//   status                       the latest settlements and what is open
//   resolve <id> uphold|void     the arbiter's firm resolution of a disputed settlement
//   expire <id>                  voids a dispute the arbiter left past its window (anyone; bond returned)
//   deploy <coordinator> <arbiter> [windowSeconds] [arbitrationSeconds] [disputeBondWei] [--yes]
//                                deploys a new escrow: checks that the RPC serves LUMENGRID_CHAIN_ID,
//                                prints the estimated cost (and, on a real chain, sends only with --yes),
//                                verifies the code on chain is the compiled escrow, and prints the
//                                variables a coordinator needs for it
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
  formatGwei,
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
  deploymentVariables,
  estimateDeployment,
  verifyDeployment,
} from '../lib/chain/deploy-escrow';
import { chainFor, chainNaming } from '../lib/chain/known-chains';
import { formatEther } from '../lib/settlement/pricing';

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
    await deploy(args);
  } else {
    fail(
      'Usage: npm run escrow -- status | resolve <id> uphold|void | expire <id> | deploy <coordinator> <arbiter> [window] [arbitration] [bondWei] [--yes]',
    );
  }
}

const DEPLOY_USAGE =
  'Usage: npm run escrow -- deploy <coordinatorAddress> <arbiterAddress> [challengeWindowSeconds] [arbitrationWindowSeconds] [disputeBondWei] [--yes]';

/**
 * A deployment on any chain, each step checked before the next: the RPC serves the chain named, the cost is
 * estimated and printed (a real chain sends only with --yes, after the operator saw it), the deployer can pay
 * it, and once mined the code on chain is compared with the compiled escrow's (immutables masked) and its
 * windows, bond and roles read back. Ends with the coordinator's variables.
 */
async function deploy(rawArgs: string[]) {
  const yes = rawArgs.includes('--yes');
  const [
    coordinator,
    arbiter,
    window = '86400',
    arbitration = String(DEFAULT_ARBITRATION_WINDOW_SECONDS),
    bond = DEFAULT_DISPUTE_BOND_WEI.toString(),
    ...extra
  ] = rawArgs.filter((a) => a !== '--yes');
  if (
    extra.length > 0 ||
    !coordinator ||
    !isAddress(coordinator) ||
    !arbiter ||
    !isAddress(arbiter) ||
    ![window, arbitration, bond].every((n) => /^[0-9]+$/.test(n))
  ) {
    fail(DEPLOY_USAGE);
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

  // The chain first: a key funded on a testnet must not deploy on another chain the RPC URL points at.
  const served = await publicClient.getChainId();
  const servedName = chainNaming(served).name;
  if (!local && !process.env.LUMENGRID_CHAIN_ID) {
    fail(`Set LUMENGRID_CHAIN_ID to the chain to deploy on (this RPC serves ${served}, ${servedName}).`);
  }
  if (served !== chainId) {
    fail(
      `The RPC serves chain ${served} (${servedName}), not LUMENGRID_CHAIN_ID=${chainId}: nothing was sent. Fix LUMENGRID_RPC_URL or LUMENGRID_CHAIN_ID.`,
    );
  }
  const naming = chainNaming(chainId);
  const roles = {
    admin,
    coordinator,
    arbiter,
    challengeWindowSeconds: Number(window),
    arbitrationWindowSeconds: Number(arbitration),
    disputeBondWei: BigInt(bond),
  };
  const deployer = wallet.account.address;
  console.log(`Deploying LumengridEscrow on ${naming.name} (chain ${chainId}) from ${deployer}`);
  console.log(`  admin ${admin}, coordinator ${coordinator}, arbiter ${arbiter}`);
  console.log(
    `  challenge window ${window} s, arbitration window ${arbitration} s, dispute bond ${formatEther(BigInt(bond))}`,
  );
  const estimate = await estimateDeployment(publicClient, deployer, roles);
  console.log(
    `Estimated cost: at most ${formatEther(estimate.maxCostWei)} (${estimate.gas} gas at up to ${formatGwei(estimate.maxFeePerGas)} gwei${naming.local ? '' : '; an L2 adds its L1 data fee'}); the deployer holds ${formatEther(estimate.deployerBalanceWei)}`,
  );
  if (estimate.deployerBalanceWei < estimate.maxCostWei) {
    fail(
      `The deployer lacks ${formatEther(estimate.maxCostWei - estimate.deployerBalanceWei)}: send ${naming.name} ETH to ${deployer} (a testnet faucet), then run again. Nothing was sent.`,
    );
  }
  if (!local && !yes) {
    console.log('Nothing sent. Run the same command with --yes to deploy at this cost.');
    return;
  }

  const address = await deployEscrow(wallet as never, publicClient as never, roles);
  const problems = await verifyDeployment(publicClient as never, address, roles, deployer);
  if (problems.length > 0) {
    fail(`Deployed at ${address}, but it does not check out:\n  ${problems.join('\n  ')}\nDo not use it.`);
  }
  console.log(
    `Verified: the code at ${address} is the compiled LumengridEscrow; its windows, bond and roles are as asked.`,
  );
  if (naming.explorer) console.log(`  ${naming.explorer.name}: ${naming.explorer.url}/address/${address}`);
  console.log('Set these where the coordinator runs (lib/config/variables.ts, README "Configuration"):');
  for (const line of deploymentVariables({ rpcUrl, chainId, escrowAddress: address, coordinator })) {
    console.log(line);
  }
  console.log(
    'Optional: LUMENGRID_PUBLIC_RPC_URL=<an RPC for browsers, when the one above carries an API key>; LUMENGRID_RELAYER_KEY=<a key of its own holding a little ETH> for "Claim without gas". The arbiter keeps LUMENGRID_ARBITER_KEY for `npm run escrow -- resolve`.',
  );
}

main().catch((error: unknown) => {
  const reverted =
    error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
  const name = reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
  fail(
    name ? `The escrow refused: ${name}` : error instanceof BaseError ? error.shortMessage : String(error),
  );
});
