// Test harness for the escrow: a real anvil chain, funded throwaway accounts, the deployed escrow, Merkle
// trees in the escrow's leaf format, and revert decoding. Shared by contracts/escrow.test.ts and
// scripts/bench-gas.ts. No private key is fixed anywhere: every account is generated per run and funded
// with `anvil_setBalance`.
import { createServer } from 'node:net';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import {
  type Abi,
  type Address,
  BaseError,
  type ContractFunctionArgs,
  type ContractFunctionName,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeErrorResult,
  type Hex,
  http,
  keccak256,
  type PrivateKeyAccount,
  type PublicClient,
  parseEther,
  type TransactionReceipt,
  type Transport,
  toHex,
  type WalletClient,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { type Anvil, startAnvil } from '../../lib/chain/anvil';
import { lumengridEscrowAbi } from '../../lib/chain/artifacts/lumengrid-escrow';
import { deployEscrow } from '../../lib/chain/deploy-escrow';
import { escrowJobId } from '../../lib/settlement/pricing';

export type Actor = WalletClient<Transport, typeof foundry, PrivateKeyAccount> & { address: Address };

export interface EscrowChain {
  anvil: Anvil;
  publicClient: PublicClient<Transport, typeof foundry>;
  escrow: Address;
  challengeWindow: bigint;
  arbitrationWindow: bigint;
  disputeBond: bigint;
  /** Sends the deployment transaction and holds no role. */
  deployer: Actor;
  /** DEFAULT_ADMIN_ROLE. */
  admin: Actor;
  coordinator: Actor;
  arbiter: Actor;
  /** A generated account funded with `balance` (default 1000 ETH). */
  newActor(balance?: bigint): Promise<Actor>;
  setBalance(address: Address, balance: bigint): Promise<void>;
  /** Timestamp of the latest block; the next transaction is mined at `now() + 1`. */
  now(): Promise<bigint>;
  /** Mines an empty block `seconds` after the latest one. */
  warp(seconds: bigint | number): Promise<void>;
  snapshot(): Promise<Hex>;
  revert(id: Hex): Promise<void>;
  stop(): Promise<void>;
}

export interface WriteResult {
  receipt: TransactionReceipt;
  /** What the sender paid for gas, in wei. */
  fee: bigint;
}

/** A TCP port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** `items[index]`, which must exist (for `noUncheckedIndexedAccess` without `!`). */
export function at<T>(items: readonly T[], index: number): T {
  if (index < 0 || index >= items.length)
    throw new RangeError(`index ${index} outside 0..${items.length - 1}`);
  return items[index] as T;
}

/** A job key from a readable label (what a requestor deposits under). */
export function jobKey(label: string): Hex {
  return keccak256(toHex(label));
}

/** The escrow's id of `requestor`'s job `key` (LumengridEscrow.jobIdOf). */
export function idOf(requestor: { address: Address }, key: Hex): Hex {
  return escrowJobId(requestor.address, key);
}

/**
 * Starts anvil on a free port, funds a deployer, admin, coordinator and arbiter, and deploys the escrow from
 * the deployer with the admin role given to `admin` (so the deployer holds no role).
 *
 * Block time is deterministic: every block is mined exactly one second after the previous one
 * (`anvil_setBlockTimestampInterval`), independent of the wall clock, and `warp` moves time by an exact
 * amount. So a test knows the timestamp its next transaction runs at: `now() + 1`.
 */
export async function startEscrowChain(options: {
  challengeWindowSeconds: number;
  arbitrationWindowSeconds?: number;
  disputeBondWei?: bigint;
}): Promise<EscrowChain> {
  let anvil: Anvil | undefined;
  for (let attempt = 0; attempt < 5 && !anvil; attempt++) {
    try {
      anvil = await startAnvil({ port: await freePort() });
    } catch (error) {
      if (attempt === 4) throw error;
    }
  }
  if (!anvil) throw new Error('anvil did not start');
  const transport = http(anvil.rpcUrl, { retryCount: 0 });
  const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 10 });
  const testClient = createTestClient({ chain: foundry, mode: 'anvil', transport });
  await publicClient.request({ method: 'anvil_setBlockTimestampInterval', params: [1] } as never);
  await testClient.mine({ blocks: 1 });

  const setBalance = (address: Address, value: bigint) => testClient.setBalance({ address, value });
  const newActor = async (balance = parseEther('1000')): Promise<Actor> => {
    const account = privateKeyToAccount(generatePrivateKey());
    await setBalance(account.address, balance);
    const wallet = createWalletClient({ account, chain: foundry, transport, pollingInterval: 10 });
    return Object.assign(wallet, { address: account.address });
  };
  const now = async () => (await publicClient.getBlock({ blockTag: 'latest' })).timestamp;

  const deployer = await newActor();
  const admin = await newActor();
  const coordinator = await newActor();
  const arbiter = await newActor();
  const challengeWindow = BigInt(options.challengeWindowSeconds);
  const arbitrationWindow = BigInt(options.arbitrationWindowSeconds ?? 2 * options.challengeWindowSeconds);
  const disputeBond = options.disputeBondWei ?? parseEther('0.1');
  const escrow = await deployEscrow(deployer, publicClient as PublicClient, {
    admin: admin.address,
    coordinator: coordinator.address,
    arbiter: arbiter.address,
    challengeWindowSeconds: options.challengeWindowSeconds,
    arbitrationWindowSeconds: Number(arbitrationWindow),
    disputeBondWei: disputeBond,
  });
  const started = anvil;
  return {
    anvil: started,
    publicClient,
    escrow,
    challengeWindow,
    arbitrationWindow,
    disputeBond,
    deployer,
    admin,
    coordinator,
    arbiter,
    newActor,
    setBalance,
    now,
    async warp(seconds) {
      const target = (await now()) + BigInt(seconds);
      await testClient.setNextBlockTimestamp({ timestamp: target });
      await testClient.mine({ blocks: 1 });
    },
    snapshot: () => testClient.snapshot(),
    async revert(id) {
      await testClient.revert({ id });
    },
    stop: () => started.stop(),
  };
}

/**
 * Sends a contract call from `actor` and returns its receipt. A call that would revert throws from gas
 * estimation (viem's ContractFunctionExecutionError; `revertName` reads the custom error), so nothing
 * failing is ever mined.
 */
export async function write<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
  args extends ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>,
>(
  chain: Pick<EscrowChain, 'publicClient'>,
  actor: Actor,
  call: { address: Address; abi: abi; functionName: functionName; args: args; value?: bigint },
): Promise<WriteResult> {
  // The generic parameters are checked at the call site; viem's own overloads can't see through them.
  const hash = await actor.writeContract(call as never);
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 10 });
  if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
  return { receipt, fee: receipt.gasUsed * receipt.effectiveGasPrice };
}

/** Sends a call to the escrow (see `write`). */
export function escrowWrite<
  functionName extends ContractFunctionName<typeof lumengridEscrowAbi, 'nonpayable' | 'payable'>,
  args extends ContractFunctionArgs<typeof lumengridEscrowAbi, 'nonpayable' | 'payable', functionName>,
>(
  chain: Pick<EscrowChain, 'publicClient' | 'escrow'>,
  actor: Actor,
  call: { functionName: functionName; args: args; value?: bigint },
): Promise<WriteResult> {
  return write(chain, actor, { address: chain.escrow, abi: lumengridEscrowAbi, ...call } as never);
}

/** The custom error (or `Error(string)` / panic) a failed viem contract call reverted with. */
export function revertName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  if (reverted.data?.errorName) return reverted.data.errorName;
  // A call into another contract (e.g. the attacker) that bubbles up an escrow error.
  if (reverted.raw) {
    try {
      return decodeEscrowError(reverted.raw);
    } catch {
      // not an escrow error
    }
  }
  if (reverted.reason) return `Error(${reverted.reason})`;
  return reverted.signature ?? undefined;
}

/** Awaits `promise`, expecting it to revert; returns the error name (throws if it did not revert). */
export async function reverts(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const name = revertName(error);
    if (name === undefined) throw error;
    return name;
  }
  throw new Error('expected the call to revert, but it succeeded');
}

/** Decodes revert data recorded by a contract (e.g. ReentrantClaimer.reentryError) with the escrow's ABI. */
export function decodeEscrowError(data: Hex): string {
  return decodeErrorResult({ abi: lumengridEscrowAbi, data }).errorName;
}

export type Leaf = [Address, bigint];

export interface CreditTree {
  root: Hex;
  /** Sum of all leaves. */
  total: bigint;
  tree: StandardMerkleTree<[string, string]>;
  /** Cumulative credit per account (lower-cased address), as in the tree. */
  credits: Map<string, bigint>;
  /** The proof for `account`'s leaf; throws if it has none. */
  proof(account: Address): Hex[];
  /** `account`'s cumulative credit (0 when absent). */
  amount(account: Address): bigint;
}

/**
 * The escrow's Merkle tree: OpenZeppelin StandardMerkleTree leaves `(address account, uint256 cumulative)`.
 * An empty credit list gets one zero leaf for the zero address so that a root always exists.
 */
export function buildTree(leaves: Iterable<Leaf> | Map<Address, bigint>): CreditTree {
  const entries: Leaf[] = [...(leaves instanceof Map ? leaves.entries() : leaves)];
  const values: [string, string][] = entries.map(([account, amount]) => [account, amount.toString()]);
  if (values.length === 0) values.push(['0x0000000000000000000000000000000000000000', '0']);
  const tree = StandardMerkleTree.of(values, ['address', 'uint256']);
  const index = new Map<string, number>();
  for (const [i, [account]] of tree.entries()) index.set(account.toLowerCase(), i);
  const credits = new Map(entries.map(([account, amount]) => [account.toLowerCase(), amount]));
  return {
    root: tree.root as Hex,
    total: entries.reduce((sum, [, amount]) => sum + amount, 0n),
    tree,
    credits,
    proof(account) {
      const i = index.get(account.toLowerCase());
      if (i === undefined) throw new Error(`${account} has no leaf`);
      return tree.getProof(i) as Hex[];
    },
    amount: (account) => credits.get(account.toLowerCase()) ?? 0n,
  };
}

/** Whether `proof` proves the leaf `(account, amount)` under `root` (checked in JS, independently of the EVM). */
export function verifyLeaf(root: Hex, account: Address, amount: bigint, proof: Hex[]): boolean {
  return StandardMerkleTree.verify(root, ['address', 'uint256'], [account, amount.toString()], proof);
}
