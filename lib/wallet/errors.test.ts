import {
  ChainMismatchError,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  InsufficientFundsError,
  UserRejectedRequestError,
  zeroAddress,
} from 'viem';
import { foundry } from 'viem/chains';
import { describe, expect, it } from 'vitest';
import { lumengridEscrowAbi } from '../chain/artifacts/lumengrid-escrow';
import { ApiError } from '../client/api';
import { describeWalletError, describeWindow } from './errors';

const CHAIN = { id: 31337, name: 'Anvil', faucet: true, rpcUrl: 'http://127.0.0.1:8545' };
const ACCOUNT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

/** What viem's writeContract/simulateContract throw when the escrow reverts with a custom error. */
function escrowRevert(
  errorName: 'NothingToClaim' | 'NotRefundable' | 'SettlementStillOpen',
  args: unknown[],
) {
  const data = encodeErrorResult({ abi: lumengridEscrowAbi, errorName, args } as never);
  const reverted = new ContractFunctionRevertedError({
    abi: lumengridEscrowAbi,
    data,
    functionName: 'claim',
  });
  return new ContractFunctionExecutionError(reverted, {
    abi: lumengridEscrowAbi,
    functionName: 'claim',
    args: [ACCOUNT, 1n, []],
    contractAddress: zeroAddress,
  });
}

describe('describeWalletError', () => {
  it('says plainly that a rejected transaction sent nothing', () => {
    const error = new UserRejectedRequestError(new Error('User rejected the request.'));
    const problem = describeWalletError(error, { chain: CHAIN });
    expect(problem.kind).toBe('rejected');
    expect(problem.message).toBe('You rejected the transaction in your wallet: nothing was sent');
  });

  it('recognises an EIP-1193 rejection (code 4001) deep in the cause chain, and words it for signatures', () => {
    const wallet = Object.assign(new Error('MetaMask Tx Signature: User denied message signature.'), {
      code: 4001,
    });
    const problem = describeWalletError(new Error('Signing failed', { cause: wallet }), {
      action: 'signature',
    });
    expect(problem).toMatchObject({ kind: 'rejected' });
    expect(problem.message).toMatch(/rejected the signature request.*nothing was signed/);
  });

  it('decodes the escrow’s custom errors by name into friendly text', () => {
    const nothing = describeWalletError(escrowRevert('NothingToClaim', [ACCOUNT]), {
      challengeWindowSeconds: 120,
    });
    expect(nothing).toMatchObject({ kind: 'contract', errorName: 'NothingToClaim' });
    expect(nothing.message).toMatch(/already claimed everything/);
    expect(nothing.next.join(' ')).toContain('2 minutes');

    const open = describeWalletError(escrowRevert('SettlementStillOpen', [7n]));
    expect(open).toMatchObject({ errorName: 'SettlementStillOpen' });
    expect(open.message).toBe('Settlement 7 is still inside its challenge window');
  });

  it('decodes raw revert data that a wallet hands back undecoded', () => {
    const data = encodeErrorResult({
      abi: lumengridEscrowAbi,
      errorName: 'NotRefundable',
      args: [`0x${'ab'.repeat(32)}`],
    });
    const fromWallet = { code: -32603, message: 'Internal JSON-RPC error.', data: { code: 3, data } };
    const problem = describeWalletError(new Error('Execution reverted', { cause: fromWallet }));
    expect(problem).toMatchObject({ kind: 'contract', errorName: 'NotRefundable' });
    expect(problem.message).toBe('This deposit cannot be refunded now');
  });

  it('names the shortfall of a deposit the wallet cannot pay, and points to the faucet on the local chain', () => {
    const problem = describeWalletError(new InsufficientFundsError(), {
      chain: CHAIN,
      valueWei: 5_000_000_000_000_000n,
      balanceWei: 2_000_000_000_000_000n,
    });
    expect(problem).toMatchObject({ kind: 'insufficient-funds', faucet: true });
    expect(problem.message).toBe('Your wallet lacks 0.003 ETH plus gas');
    expect(problem.next[0]).toContain('Get 10 test ETH');
  });

  it('sends people to their own funds where there is no faucet', () => {
    const problem = describeWalletError(
      new Error('insufficient funds for gas * price + value: have 0 want 10'),
      { chain: { ...CHAIN, name: 'Sepolia', faucet: false }, valueWei: 10n ** 16n },
    );
    expect(problem).toMatchObject({ kind: 'insufficient-funds', faucet: false });
    expect(problem.message).toBe('Your wallet lacks the 0.01 ETH this sends, plus gas');
    expect(problem.next[0]).toBe('Add ETH on Sepolia to this wallet, then try again.');
  });

  it('reads a wallet’s own wording of a balance too low for the gas, wrapped as an RPC error', () => {
    const wallet = {
      code: -32000,
      message:
        'The total cost (gas * gas fee + value) of executing this transaction exceeds the balance of the account.',
    };
    const problem = describeWalletError(new Error('Missing or invalid parameters.', { cause: wallet }), {
      chain: CHAIN,
    });
    expect(problem).toMatchObject({ kind: 'insufficient-funds', faucet: true });
    expect(problem.message).toBe('Your wallet lacks the ether to pay for gas');
  });

  it('offers switching when the wallet is on another chain', () => {
    const problem = describeWalletError(new ChainMismatchError({ chain: foundry, currentChainId: 1 }), {
      chain: CHAIN,
    });
    expect(problem).toMatchObject({ kind: 'wrong-chain', switchChain: true });
    expect(problem.next[0]).toContain('Switch to Anvil');
  });

  it('explains how to add a chain the wallet does not know (4902)', () => {
    const problem = describeWalletError(
      { code: 4902, message: 'Unrecognized chain ID "0x7a69".' },
      {
        chain: CHAIN,
        action: 'switch',
      },
    );
    expect(problem.kind).toBe('unknown-chain');
    expect(problem.next[0]).toContain('http://127.0.0.1:8545');
  });

  it('passes the coordinator’s own message and next steps through', () => {
    const error = new ApiError(409, 'This session already pays out to 0xabc', ['Open a new contribute tab.']);
    expect(describeWalletError(error)).toMatchObject({
      kind: 'server',
      message: 'This session already pays out to 0xabc',
      next: ['Open a new contribute tab.'],
    });
  });

  it('falls back to the first line of anything else, and survives a cyclic cause chain', () => {
    const a = new Error('boom\n  at somewhere') as Error & { cause?: unknown };
    const b = new Error('inner', { cause: a });
    a.cause = b;
    const problem = describeWalletError(a);
    expect(problem).toMatchObject({ kind: 'unknown', message: 'boom' });
  });
});

describe('describeWindow', () => {
  it('speaks in seconds, minutes or hours', () => {
    expect(describeWindow(90)).toBe('90 seconds');
    expect(describeWindow(120)).toBe('2 minutes');
    expect(describeWindow(7200)).toBe('2 hours');
  });
});
