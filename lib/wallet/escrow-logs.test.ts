import { type Address, encodeAbiParameters, encodeEventTopics, type Hex, type Log } from 'viem';
import { describe, expect, it } from 'vitest';
import { lumengridEscrowAbi } from '../chain/artifacts/lumengrid-escrow';
import {
  type ClaimedLog,
  type ClaimHistoryClient,
  claimedAmount,
  claimRows,
  readClaimHistory,
  refundedAmount,
  relayedClaimPaid,
} from './escrow-logs';

const ESCROW: Address = '0x00000000000000000000000000000000000000e5';
const ACCOUNT: Address = '0x0000000000000000000000000000000000000a11';
const JOB: Hex = `0x${'ab'.repeat(32)}`;
const TX: Hex = `0x${'11'.repeat(32)}`;

function log(topics: Hex[], data: Hex): Log {
  return {
    address: ESCROW,
    topics: topics as [Hex, ...Hex[]],
    data,
    blockHash: `0x${'22'.repeat(32)}`,
    blockNumber: 5n,
    logIndex: 0,
    transactionHash: TX,
    transactionIndex: 0,
    removed: false,
  };
}

const claimedLog = (amount: bigint) =>
  log(
    encodeEventTopics({ abi: lumengridEscrowAbi, eventName: 'Claimed', args: { account: ACCOUNT } }) as Hex[],
    encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }], [amount, 900n, 3n]),
  );

const RELAYER: Address = '0x000000000000000000000000000000000000e1a7';
const claimRelayedLog = (fee: bigint) =>
  log(
    encodeEventTopics({
      abi: lumengridEscrowAbi,
      eventName: 'ClaimRelayed',
      args: { account: ACCOUNT, relayer: RELAYER },
    }) as Hex[],
    encodeAbiParameters([{ type: 'uint256' }], [fee]),
  );

const refundedLog = (amount: bigint) =>
  log(
    encodeEventTopics({
      abi: lumengridEscrowAbi,
      eventName: 'Refunded',
      args: { jobId: JOB, requestor: ACCOUNT },
    }) as Hex[],
    encodeAbiParameters([{ type: 'uint256' }], [amount]),
  );

describe('receipt amounts', () => {
  it('reads the amount a claim paid from its receipt, skipping other events', () => {
    expect(claimedAmount([refundedLog(7n), claimedLog(42n)])).toBe(42n);
  });

  it('reads the amount a refund returned from its receipt', () => {
    expect(refundedAmount([claimedLog(42n), refundedLog(7n)])).toBe(7n);
  });

  it('reads what a relayed claim paid the account (the claim minus the fee) and the relayer', () => {
    expect(relayedClaimPaid([claimedLog(1000n), claimRelayedLog(10n)])).toEqual({ received: 990n, fee: 10n });
  });

  it('is null when the receipt has no such event', () => {
    expect(claimedAmount([refundedLog(7n)])).toBeNull();
    expect(refundedAmount([])).toBeNull();
    // A plain claim is not a relayed one.
    expect(relayedClaimPaid([claimedLog(1000n)])).toBeNull();
  });
});

const claimed = (blockNumber: bigint, amount: bigint, settlementId: bigint): ClaimedLog => ({
  transactionHash: `0x${blockNumber.toString(16).padStart(64, '0')}`,
  blockNumber,
  args: { amount, cumulative: amount * 2n, settlementId },
});

describe('claimRows', () => {
  it('lists claims newest first with their block times (null where unread), missing args as 0', () => {
    const rows = claimRows(
      [claimed(1n, 10n, 1n), claimed(2n, 20n, 2n), { ...claimed(3n, 0n, 0n), args: {} }],
      new Map([
        [1n, 100],
        [2n, null],
      ]),
    );
    expect(rows.map((r) => [r.blockNumber, r.at, r.amount, r.cumulative, r.settlementId])).toEqual([
      [3n, null, 0n, 0n, 0n],
      [2n, null, 20n, 40n, 2n],
      [1n, 100, 10n, 20n, 1n],
    ]);
  });
});

describe('readClaimHistory', () => {
  it('asks for the account’s Claimed events and reads each block once, surviving an unreadable block', async () => {
    const asked: unknown[] = [];
    const blocks: bigint[] = [];
    const client: ClaimHistoryClient = {
      async getContractEvents(options) {
        asked.push(options);
        return [claimed(4n, 1n, 1n), claimed(4n, 2n, 2n), claimed(9n, 3n, 3n)];
      },
      async getBlock({ blockNumber }) {
        blocks.push(blockNumber);
        if (blockNumber === 9n) throw new Error('pruned');
        return { timestamp: 1_700_000_000n };
      },
    };
    const rows = await readClaimHistory(client, ESCROW, ACCOUNT);
    expect(asked).toEqual([
      {
        address: ESCROW,
        abi: lumengridEscrowAbi,
        eventName: 'Claimed',
        args: { account: ACCOUNT },
        fromBlock: 'earliest',
        toBlock: 'latest',
      },
    ]);
    expect(blocks.sort()).toEqual([4n, 9n]);
    expect(rows.map((r) => [r.settlementId, r.at])).toEqual([
      [3n, null],
      [2n, 1_700_000_000],
      [1n, 1_700_000_000],
    ]);
  });
});
