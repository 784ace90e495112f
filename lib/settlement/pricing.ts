import { type Address, encodeAbiParameters, type Hex, keccak256, toHex } from 'viem';
import { expectedOverhead } from '../verification/policy';

/**
 * Payments shared by the dashboard and the coordinator: what a job costs, how a job is named on chain, and
 * the message a contributor signs to be paid. Amounts are wei as bigint (strings on the wire).
 */

/** Default price of one verified pixel-sample: 1 gwei (a 256×256 image at 64 spp ≈ 0.0042 ETH). */
export const DEFAULT_PRICE_WEI_PER_PIXEL_SAMPLE = 1_000_000_000n;

/** How long after the deposit the requestor may take back what was not paid, if the job never closes. */
export const DEPOSIT_LIFETIME_SECONDS = 30 * 24 * 3600;

/**
 * The job key a coordinator job is deposited under (`deposit(jobKey, expiresAt)`): a hash of its id, so the
 * chain carries no job details. Public: anyone can compute it, which is why it is not the escrow's job id.
 */
export function chainJobKey(jobId: string): Hex {
  return keccak256(toHex(`lumengrid:job:${jobId}`));
}

/**
 * The escrow's id of `requestor`'s job `jobKey`, as `LumengridEscrow.jobIdOf` computes it:
 * keccak256(abi.encode(requestor, jobKey)). Only `requestor` can deposit into it, so a deposit under the
 * same key from anyone else is a different job that the coordinator never reads.
 */
export function escrowJobId(requestor: Address, jobKey: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'bytes32' }], [requestor, jobKey]));
}

/** The escrow's id of coordinator job `jobId` paid for by `requestor`. */
export function chainJobId(jobId: string, requestor: Address): Hex {
  return escrowJobId(requestor, chainJobKey(jobId));
}

export interface JobCost {
  /** Pixel-samples the image itself needs (with replicas when redundancy asks for them). */
  pixelSamples: bigint;
  /** What the render costs with typical verification (one check per unit, audits, a quarter of new contributors). */
  estimateWei: bigint;
  /** The deposit: enough even if every contributor is new (each unit checked on probation). Unused deposit is refunded. */
  depositWei: bigint;
}

export function jobCost(options: {
  pixelSamples: number | bigint;
  confidence: number;
  unitPixels: number;
  priceWeiPerPixelSample: bigint;
}): JobCost {
  const pixelSamples = BigInt(options.pixelSamples);
  const withOverhead = (share: number) => {
    // Parts per million keep the arithmetic in bigint; a rounding up of at most 1 ppm is harmless.
    const ppm = BigInt(
      Math.ceil((1 + expectedOverhead(options.confidence, options.unitPixels, share)) * 1e6),
    );
    return (pixelSamples * options.priceWeiPerPixelSample * ppm + 999_999n) / 1_000_000n;
  };
  return { pixelSamples, estimateWei: withOverhead(0.25), depositWei: withOverhead(1) };
}

/** What a planned job is: its pixel-samples, the confidence it is verified to and its tile size. */
export interface PlannedCost {
  pixelSamples: number | bigint;
  confidence: number;
  tileSize: number;
}

/**
 * What a planned job costs at a price: the job form's figure and the coordinator's (the deposit it asks for
 * a new job's budget) come from this one function, so they cannot drift apart.
 */
export function costOfPlan(plan: PlannedCost, priceWeiPerPixelSample: bigint): JobCost {
  return jobCost({
    pixelSamples: plan.pixelSamples,
    confidence: plan.confidence,
    unitPixels: plan.tileSize * plan.tileSize,
    priceWeiPerPixelSample,
  });
}

/**
 * A cost whose deposit is raised to `minimumDepositWei` when the coordinator asked for more than this page
 * computed (null: it did not); never lowered.
 */
export function withMinimumDeposit(cost: JobCost, minimumDepositWei: bigint | null): JobCost {
  return minimumDepositWei !== null && minimumDepositWei > cost.depositWei
    ? { ...cost, depositWei: minimumDepositWei }
    : cost;
}

/**
 * The deposit the coordinator named when it refused a budget (the `details` of its error: `depositWei`, a
 * decimal string of wei), or null when the details carry none.
 */
export function depositAskedFor(details: unknown): bigint | null {
  const needed = details as { depositWei?: unknown } | null | undefined;
  if (typeof needed?.depositWei === 'string' && /^[0-9]+$/.test(needed.depositWei)) {
    return BigInt(needed.depositWei);
  }
  return null;
}

/** The text a contributor's wallet signs (EIP-191) to have this session's credit paid to `address`. */
export function payoutBindingMessage(sessionId: string, address: Address, chainId: number): string {
  return [
    'Lumengrid: pay the verified work of this contributor session to my address.',
    `Session: ${sessionId}`,
    `Address: ${address}`,
    `Chain: ${chainId}`,
  ].join('\n');
}

/** What verified pixel-samples are worth at a price per pixel-sample (wei; decimal strings as on the wire). */
export function creditValueWei(
  pixelSamples: number | bigint | string,
  priceWeiPerPixelSample: bigint | string,
): bigint {
  return BigInt(pixelSamples) * BigInt(priceWeiPerPixelSample);
}

/** A price per pixel-sample is a tiny amount of ether: "1 gwei" reads better than "0.000000001 ETH". */
export function formatPrice(wei: bigint): string {
  if (wei >= 10n ** 15n) return formatEther(wei);
  const gwei = Number(wei) / 1e9;
  return `${gwei.toLocaleString('en', { maximumSignificantDigits: 6 })} gwei`;
}

/** "0.0042 ETH": ether with up to 6 significant decimals, for people, not for arithmetic. */
export function formatEther(wei: bigint, symbol = 'ETH'): string {
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const whole = abs / 10n ** 18n;
  const fraction = abs % 10n ** 18n;
  let text = whole.toString();
  if (fraction > 0n) {
    const digits = fraction.toString().padStart(18, '0');
    const firstNonZero = digits.search(/[1-9]/);
    const keep = whole > 0n ? 6 : Math.min(18, firstNonZero + 4);
    const trimmed = digits.slice(0, keep).replace(/0+$/, '');
    if (trimmed) text += `.${trimmed}`;
  }
  return `${negative ? '−' : ''}${text} ${symbol}`;
}
