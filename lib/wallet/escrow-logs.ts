import { type Address, type Log, parseEventLogs } from 'viem';
import { lumengridEscrowAbi } from '../chain/artifacts/lumengrid-escrow';

/**
 * What the escrow's event logs say, for the wallet pages: the amount a claim or a refund transaction paid
 * (from its receipt), and the claims that paid an address (from the chain's `Claimed` events, which the
 * coordinator does not list).
 */

/** The amount of the first `Claimed` event among a receipt's logs; null when there is none. */
export function claimedAmount(logs: readonly Log[]): bigint | null {
  const [event] = parseEventLogs({ abi: lumengridEscrowAbi, eventName: 'Claimed', logs: [...logs] });
  return event?.args.amount ?? null;
}

/**
 * What a relayed claim's receipt says the account received and the relayer kept: the `Claimed` amount
 * minus the `ClaimRelayed` fee. Null when the receipt holds no relayed claim.
 */
export function relayedClaimPaid(logs: readonly Log[]): { received: bigint; fee: bigint } | null {
  const amount = claimedAmount(logs);
  const [relayed] = parseEventLogs({ abi: lumengridEscrowAbi, eventName: 'ClaimRelayed', logs: [...logs] });
  if (amount === null || !relayed) return null;
  return { received: amount - relayed.args.fee, fee: relayed.args.fee };
}

/** The amount of the first `Refunded` event among a receipt's logs; null when there is none. */
export function refundedAmount(logs: readonly Log[]): bigint | null {
  const [event] = parseEventLogs({ abi: lumengridEscrowAbi, eventName: 'Refunded', logs: [...logs] });
  return event?.args.amount ?? null;
}

/** One claim that paid an address. */
export interface ClaimRow {
  txHash: `0x${string}`;
  blockNumber: bigint;
  /** Seconds since epoch (the block's timestamp); null where the block could not be read. */
  at: number | null;
  amount: bigint;
  cumulative: bigint;
  settlementId: bigint;
}

/** A decoded `Claimed` log, as `getContractEvents` gives it (only the fields read here). */
export interface ClaimedLog {
  transactionHash: `0x${string}`;
  blockNumber: bigint;
  args: { amount?: bigint; cumulative?: bigint; settlementId?: bigint };
}

/** The claim rows of `Claimed` logs in chain order, newest first, each with its block's time from `times`. */
export function claimRows(
  logs: readonly ClaimedLog[],
  times: ReadonlyMap<bigint, number | null>,
): ClaimRow[] {
  return logs
    .map((log) => ({
      txHash: log.transactionHash,
      blockNumber: log.blockNumber,
      at: times.get(log.blockNumber) ?? null,
      amount: log.args.amount ?? 0n,
      cumulative: log.args.cumulative ?? 0n,
      settlementId: log.args.settlementId ?? 0n,
    }))
    .reverse();
}

/** The two reads of a public client that the claim history needs. */
export interface ClaimHistoryClient {
  getContractEvents(options: {
    address: Address;
    abi: typeof lumengridEscrowAbi;
    eventName: 'Claimed';
    args: { account: Address };
    fromBlock: 'earliest';
    toBlock: 'latest';
  }): Promise<readonly ClaimedLog[]>;
  getBlock(options: { blockNumber: bigint }): Promise<{ timestamp: bigint }>;
}

/**
 * The claims that paid `account` from the escrow at `escrowAddress`, newest first. Each distinct block is read
 * once for its time; a block that cannot be read leaves its rows without a time rather than failing.
 */
export async function readClaimHistory(
  client: ClaimHistoryClient,
  escrowAddress: Address,
  account: Address,
): Promise<ClaimRow[]> {
  const logs = await client.getContractEvents({
    address: escrowAddress,
    abi: lumengridEscrowAbi,
    eventName: 'Claimed',
    args: { account },
    fromBlock: 'earliest',
    toBlock: 'latest',
  });
  const times = new Map<bigint, number | null>();
  await Promise.all(
    [...new Set(logs.map((log) => log.blockNumber))].map(async (n) => {
      try {
        times.set(n, Number((await client.getBlock({ blockNumber: n })).timestamp));
      } catch {
        times.set(n, null);
      }
    }),
  );
  return claimRows(logs, times);
}
