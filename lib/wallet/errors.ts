import { decodeErrorResult, type Hex, isHex } from 'viem';
import { lumengridEscrowAbi } from '../chain/artifacts/lumengrid-escrow';
import { formatEther } from '../settlement/pricing';

/**
 * Turns what wallets, viem, wagmi and the coordinator throw into one sentence a person can act on and the
 * next step. Errors are recognised by name and EIP-1193 code along their `cause` chain, not by instanceof:
 * wallets throw plain objects, and wagmi and viem each have their own error classes.
 */

export type WalletAction = 'transaction' | 'signature' | 'connection' | 'switch';

export interface WalletErrorContext {
  /** What the person was doing; the wording of a refusal depends on it. Default 'transaction'. */
  action?: WalletAction;
  /** The escrow's chain, for "switch to" and faucet advice. */
  chain?: { id: number; name: string; faucet: boolean; rpcUrl?: string };
  /** Ether the transaction sends, and the wallet's balance when known ("lacks X ETH plus gas"). */
  valueWei?: bigint;
  balanceWei?: bigint;
  /** For "becomes claimable N minutes after it is posted". */
  challengeWindowSeconds?: number;
}

export type WalletProblemKind =
  | 'rejected'
  | 'wrong-chain'
  | 'unknown-chain'
  | 'insufficient-funds'
  | 'contract'
  | 'no-wallet'
  | 'not-connected'
  | 'network'
  | 'server'
  | 'unknown';

export interface WalletProblem {
  kind: WalletProblemKind;
  message: string;
  next: string[];
  /** Offer "Switch to <chain>". */
  switchChain: boolean;
  /** Offer "Get 10 test ETH". */
  faucet: boolean;
  /** The escrow's custom error, when the contract refused. */
  errorName: string | null;
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  shortMessage?: unknown;
  metaMessages?: unknown;
  details?: unknown;
  data?: unknown;
  reason?: unknown;
  cause?: unknown;
}

/** The error and its causes, outermost first (bounded: a cyclic cause chain must not hang the page). */
function chainOf(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && chain.length < 20 && !chain.includes(current)) {
    chain.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return chain;
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

function textOf(e: ErrorLike): string {
  return `${text(e.shortMessage)} ${text(e.message)} ${text(e.details)}`;
}

function isRejection(e: ErrorLike): boolean {
  return (
    e.code === 4001 ||
    e.code === 'ACTION_REJECTED' ||
    e.name === 'UserRejectedRequestError' ||
    /user (rejected|denied|cancel+ed)|rejected by (the )?user|request rejected/i.test(textOf(e))
  );
}

function isInsufficientFunds(e: ErrorLike): boolean {
  // Wallets word it their own way; viem's is "… exceeds the balance of the account".
  return (
    e.name === 'InsufficientFundsError' ||
    /insufficient (funds|balance)|exceeds the balance|not enough (funds|balance|ether)/i.test(textOf(e))
  );
}

function isWrongChain(e: ErrorLike): boolean {
  return (
    e.name === 'ChainMismatchError' ||
    e.name === 'ConnectorChainMismatchError' ||
    /does not match the target chain|chain mismatch/i.test(textOf(e))
  );
}

function isUnknownChain(e: ErrorLike): boolean {
  return e.code === 4902 || /unrecognized chain|chain .*not (been )?added|unknown chain/i.test(textOf(e));
}

interface Revert {
  errorName: string;
  args: readonly unknown[];
}

/** The escrow's custom error: viem's decoded revert, or raw revert data somewhere in the chain. */
function revertOf(chain: ErrorLike[]): Revert | { reason: string } | null {
  for (const e of chain) {
    const data = e.data as { errorName?: unknown; args?: unknown } | undefined;
    if (e.name === 'ContractFunctionRevertedError' && data && typeof data.errorName === 'string') {
      return { errorName: data.errorName, args: Array.isArray(data.args) ? data.args : [] };
    }
  }
  for (const e of chain) {
    // Wallets pass revert data as `data` (a hex string, or { data: hex } one level down).
    const raw = isHex(e.data)
      ? e.data
      : isHex((e.data as { data?: unknown } | undefined)?.data)
        ? (e.data as { data: Hex }).data
        : null;
    if (raw && raw.length >= 10) {
      try {
        const decoded = decodeErrorResult({ abi: lumengridEscrowAbi, data: raw });
        return { errorName: decoded.errorName, args: decoded.args ?? [] };
      } catch {
        // Not one of the escrow's errors: keep looking.
      }
    }
  }
  for (const e of chain) {
    if (e.name === 'ContractFunctionRevertedError' && typeof e.reason === 'string' && e.reason) {
      return { reason: e.reason };
    }
  }
  return null;
}

/** "2 minutes", "90 seconds", "1 hour". */
export function describeWindow(seconds: number): string {
  if (seconds < 120) return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return `${hours} hours`;
}

const shortId = (value: unknown) => (typeof value === 'string' ? `${value.slice(0, 10)}…` : String(value));

/** The escrow's refusals, in the words of the person who met them. */
function describeRevert(revert: Revert, ctx: WalletErrorContext): { message: string; next: string[] } {
  const window = ctx.challengeWindowSeconds ? describeWindow(ctx.challengeWindowSeconds) : 'a few minutes';
  const [first, second] = revert.args;
  switch (revert.errorName) {
    case 'NothingToClaim':
      return {
        message: 'Nothing to claim: this address has already claimed everything that is final',
        next: [`New credit becomes claimable ${window} after the next settlement is posted.`],
      };
    case 'NoFinalSettlement':
      return {
        message: 'No settlement is final yet, so there is nothing to claim',
        next: [`A settlement becomes final ${window} after it is posted unless a requestor disputes it.`],
      };
    case 'InvalidProof':
      return {
        message: 'The claim does not match the latest final settlement on chain',
        next: ['A newer settlement may have become final: reload the page and claim again.'],
      };
    case 'ClaimsExceedSettled':
      return {
        message: 'The escrow holds less settled ether than this claim asks for',
        next: ['Nothing was paid. Tell the coordinator’s operator: its settlements disagree with the chain.'],
      };
    case 'NotRefundable':
      return {
        message: 'This deposit cannot be refunded now',
        next: [
          'A refund is possible once a final settlement closes the job, or after the deposit expires, and only once.',
        ],
      };
    case 'SettlementStillOpen':
      return {
        message: `Settlement ${String(first)} is still inside its challenge window`,
        next: [`Try again once it is final: ${window} after it was posted.`],
      };
    case 'NotJobRequestor':
      return {
        message: `Only the wallet that made this job’s deposit can do this; ${shortId(second)} did not`,
        next: ['Connect the wallet you deposited with, then try again.'],
      };
    case 'WrongDisputeBond':
      return {
        message: 'A dispute must carry exactly the escrow’s dispute bond',
        next: ['Reload the page (the bond shown may be out of date), then dispute again.'],
      };
    case 'SafeCastOverflowedUintDowncast':
      return {
        message: 'The amount is larger than the escrow can account for',
        next: ['Deposit the amount the job shows.'],
      };
    case 'JobNotOpen':
      return {
        message: 'This job is closed or refunded on chain: it takes no more deposits',
        next: ['Create a new job to render again.'],
      };
    case 'JobExpiryInPast':
      return {
        message: 'The deposit’s expiry time is already past on chain',
        next: ['Check that this computer’s clock is right, then deposit again.'],
      };
    case 'NotDisputable':
      return {
        message: `Settlement ${String(first)} can no longer be disputed`,
        next: [
          'Its challenge window has passed, or it is already disputed. Reload the page to see where it stands.',
        ],
      };
    case 'NothingToWithdraw':
      return { message: 'No dispute bond is owed to this wallet', next: ['Nothing was sent.'] };
    case 'ZeroAmount':
      return { message: 'A deposit must be more than 0 ETH', next: ['Deposit the amount the job shows.'] };
    default:
      return {
        message: `The escrow contract refused the transaction (${revert.errorName})`,
        next: ['Nothing was sent. Reload the page to see the job’s current state, then try again.'],
      };
  }
}

function problem(
  kind: WalletProblemKind,
  message: string,
  next: string[],
  extra: Partial<Pick<WalletProblem, 'switchChain' | 'faucet' | 'errorName'>> = {},
): WalletProblem {
  return { kind, message, next, switchChain: false, faucet: false, errorName: null, ...extra };
}

export function describeWalletError(error: unknown, ctx: WalletErrorContext = {}): WalletProblem {
  const chain = chainOf(error);
  const action = ctx.action ?? 'transaction';
  const chainName = ctx.chain?.name ?? 'the escrow’s network';

  if (chain.some(isRejection)) {
    switch (action) {
      case 'signature':
        return problem('rejected', 'You rejected the signature request in your wallet: nothing was signed', [
          'Press the button again when you are ready to sign.',
        ]);
      case 'connection':
        return problem('rejected', 'You declined the connection request in your wallet', [
          'Connect again and approve it in your wallet.',
        ]);
      case 'switch':
        return problem('rejected', 'You declined switching networks in your wallet', [
          `Switch your wallet to ${chainName} yourself, or press “Switch to ${chainName}” again.`,
        ]);
      default:
        return problem('rejected', 'You rejected the transaction in your wallet: nothing was sent', [
          'Press the button again when you are ready to confirm it.',
        ]);
    }
  }

  const api = chain.find((e) => e.name === 'ApiError');
  if (api) {
    const next = Array.isArray(api.metaMessages) ? api.metaMessages.filter((s) => typeof s === 'string') : [];
    return problem('server', text(api.shortMessage) || text(api.message), next);
  }

  const revert = revertOf(chain);
  if (revert && 'errorName' in revert) {
    const { message, next } = describeRevert(revert, ctx);
    return problem('contract', message, next, { errorName: revert.errorName });
  }

  if (chain.some(isInsufficientFunds)) {
    const { valueWei, balanceWei } = ctx;
    const message =
      valueWei !== undefined && balanceWei !== undefined && valueWei > balanceWei
        ? `Your wallet lacks ${formatEther(valueWei - balanceWei)} plus gas`
        : valueWei !== undefined && valueWei > 0n
          ? `Your wallet lacks the ${formatEther(valueWei)} this sends, plus gas`
          : 'Your wallet lacks the ether to pay for gas';
    const faucet = ctx.chain?.faucet ?? false;
    return problem(
      'insufficient-funds',
      message,
      [
        faucet
          ? 'This local test chain gives ether away: press “Get 10 test ETH” (also in the wallet menu), then try again.'
          : `Add ETH on ${chainName} to this wallet, then try again.`,
      ],
      { faucet },
    );
  }

  if (chain.some(isUnknownChain)) {
    const how = ctx.chain?.rpcUrl
      ? `Add it to your wallet (chain id ${ctx.chain.id}, RPC ${ctx.chain.rpcUrl}), then switch to it.`
      : 'Add the network to your wallet, then switch to it.';
    return problem('unknown-chain', `Your wallet does not know ${chainName}`, [how]);
  }

  if (chain.some(isWrongChain)) {
    return problem(
      'wrong-chain',
      `Your wallet is on another network: this needs ${chainName}`,
      [`Press “Switch to ${chainName}”, or switch networks in your wallet.`],
      { switchChain: true },
    );
  }

  if (revert && 'reason' in revert) {
    return problem('contract', `The escrow contract refused: ${revert.reason}`, [
      'Nothing was sent. Reload the page to see the current state, then try again.',
    ]);
  }

  if (chain.some((e) => e.name === 'ProviderNotFoundError')) {
    return problem('no-wallet', 'No wallet was found in this browser', [
      'Install a browser wallet (an extension such as MetaMask, Rabby or Frame), then reload this page.',
    ]);
  }

  if (
    chain.some((e) =>
      ['ConnectorNotConnectedError', 'ConnectorAccountNotFoundError', 'AccountNotFoundError'].includes(
        text(e.name),
      ),
    )
  ) {
    return problem('not-connected', 'Your wallet is not connected', ['Connect your wallet, then try again.']);
  }

  if (
    chain.some(
      (e) =>
        e.name === 'HttpRequestError' ||
        e.name === 'TimeoutError' ||
        (e.name === 'TypeError' && /fetch|network/i.test(text(e.message))),
    )
  ) {
    return problem('network', `Could not reach ${chainName}`, [
      'Check your connection (and that the chain is running), then try again.',
    ]);
  }

  const first = chain[0];
  const message =
    text(first?.shortMessage) || text(first?.message).split('\n')[0] || String(error) || 'Something failed';
  return problem('unknown', message, ['Try again; if it keeps failing, reload the page.']);
}
