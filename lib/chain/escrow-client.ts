import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  parseEventLogs,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { lumengridEscrowAbi } from './artifacts/lumengrid-escrow';
import { chainFor } from './known-chains';

/** The escrow as the coordinator uses it: reads, and the coordinator role's one write. */
export interface EscrowClient {
  chainId: number;
  address: Address;
  coordinator: Address;
  publicClient: PublicClient;
  challengeWindowSeconds(): Promise<number>;
  /** The exact wei a dispute carries. */
  disputeBond(): Promise<bigint>;
  readJob(chainJobId: Hex): Promise<OnchainJob>;
  statusOf(settlementId: bigint): Promise<OnchainSettlementStatus>;
  claimed(account: Address): Promise<bigint>;
  /** The settlement awaiting its window or the arbiter, as the chain has it; null when none. */
  pendingSettlement(): Promise<{ settlementId: bigint; root: Hex } | null>;
  /** How many settlements the escrow holds (ids 1..count), and one's root. */
  settlementCount(): Promise<bigint>;
  settlementRoot(settlementId: bigint): Promise<Hex>;
  /** Which job's requestor disputed a settlement (zero hash when none). */
  disputedJobOf(settlementId: bigint): Promise<Hex>;
  /** Sends postSettlement and returns its hash at once (the caller records it before waiting). */
  sendSettlement(settlement: SettlementCall): Promise<Hex>;
  /** Waits for a settlement transaction; its on-chain id, or the revert reason. */
  settlementReceipt(
    hash: Hex,
  ): Promise<{ ok: true; settlementId: bigint; postedAt: number } | { ok: false; reason: string }>;
}

export interface OnchainJob {
  requestor: Address | null;
  deposited: bigint;
  settled: bigint;
  expiresAt: number;
  closed: boolean;
  refunded: boolean;
  pendingIn: bigint;
}

export type OnchainSettlementStatus = 'none' | 'pending' | 'disputed' | 'final' | 'void';
const STATUSES: OnchainSettlementStatus[] = ['none', 'pending', 'disputed', 'final', 'void'];

export interface SettlementCall {
  root: Hex;
  total: bigint;
  jobIds: Hex[];
  jobSettled: bigint[];
  closes: boolean[];
}

export interface EscrowClientOptions {
  rpcUrl: string;
  chainId: number;
  address: Address;
  coordinatorKey: Hex;
}

export function createEscrowClient(options: EscrowClientOptions): EscrowClient {
  const chain = chainFor(options.chainId, options.rpcUrl);
  const transport = http(options.rpcUrl, { retryCount: 2, timeout: 15_000 });
  const publicClient = createPublicClient({ chain, transport }) as PublicClient;
  const account = privateKeyToAccount(options.coordinatorKey);
  const wallet: WalletClient<Transport, Chain, Account> = createWalletClient({ account, chain, transport });
  const contract = { address: options.address, abi: lumengridEscrowAbi } as const;
  let window: number | undefined;
  let bond: bigint | undefined;

  return {
    chainId: options.chainId,
    address: options.address,
    coordinator: account.address,
    publicClient,
    async challengeWindowSeconds() {
      window ??= Number(await publicClient.readContract({ ...contract, functionName: 'challengeWindow' }));
      return window;
    },
    async disputeBond() {
      bond ??= await publicClient.readContract({ ...contract, functionName: 'disputeBond' });
      return bond;
    },
    async readJob(chainJobId) {
      const [requestor, deposited, settled, expiresAt, closed, refunded, pendingIn] =
        await publicClient.readContract({
          ...contract,
          functionName: 'jobOf',
          args: [chainJobId],
        });
      return {
        requestor: /^0x0{40}$/.test(requestor) ? null : requestor,
        deposited,
        settled,
        expiresAt: Number(expiresAt),
        closed,
        refunded,
        pendingIn,
      };
    },
    async statusOf(settlementId) {
      const status = await publicClient.readContract({
        ...contract,
        functionName: 'statusOf',
        args: [settlementId],
      });
      return STATUSES[status] ?? 'none';
    },
    claimed: (accountAddress) =>
      publicClient.readContract({ ...contract, functionName: 'claimed', args: [accountAddress] }),
    async pendingSettlement() {
      const id = await publicClient.readContract({ ...contract, functionName: 'pendingId' });
      if (id === 0n) return null;
      const [root] = await publicClient.readContract({ ...contract, functionName: 'settlement', args: [id] });
      return { settlementId: id, root };
    },
    settlementCount: () => publicClient.readContract({ ...contract, functionName: 'settlementCount' }),
    async settlementRoot(settlementId) {
      const [root] = await publicClient.readContract({
        ...contract,
        functionName: 'settlement',
        args: [settlementId],
      });
      return root;
    },
    async disputedJobOf(settlementId) {
      const result = await publicClient.readContract({
        ...contract,
        functionName: 'settlement',
        args: [settlementId],
      });
      return result[5];
    },
    async sendSettlement(call) {
      // Simulate first: a settlement the contract would refuse costs no gas and says why.
      const { request } = await publicClient.simulateContract({
        ...contract,
        account,
        functionName: 'postSettlement',
        args: [call.root, call.total, call.jobIds, call.jobSettled, call.closes],
      });
      return wallet.writeContract(request);
    },
    async settlementReceipt(hash) {
      const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: 60_000 });
      if (receipt.status !== 'success') return { ok: false, reason: `transaction ${hash} reverted` };
      const [posted] = parseEventLogs({
        abi: lumengridEscrowAbi,
        logs: receipt.logs,
        eventName: 'SettlementPosted',
      });
      if (!posted) return { ok: false, reason: `transaction ${hash} posted no settlement` };
      const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
      return { ok: true, settlementId: posted.args.settlementId, postedAt: Number(block.timestamp) };
    },
  };
}
