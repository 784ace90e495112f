/**
 * Wire shapes of the coordinator's HTTP API, shared by route handlers and browser code. The full list with
 * request schemas is api-routes.ts (served as GET /api/openapi.json).
 *
 *   POST /api/jobs                         JobRequest            -> 201 CreatedJobView (with ownerToken)
 *   GET  /api/jobs                                               -> { jobs: JobView[], mine: JobView[] } (newest
 *                                          first; `jobs` public ones only, `mine` the bearer owner's, private too)
 *   POST /api/jobs/:id/cancel|pause|resume  `authorization: Bearer <ownerToken>` -> JobView (401/403 without)
 *   POST /api/jobs/:id/priority            JobPriorityRequest, Bearer -> JobView
 *   GET  /api/jobs/:id/progress                                  -> JobProgressHistory (samples for ETA and chart)
 *   GET  /api/jobs/:id                                           -> JobView
 *   GET  /api/jobs/:id/events              Server-Sent Events, `event: job` with a JobView, then `event: job-delta`
 *                                          (a JobView whose tiles are those that changed) on every change
 *   GET  /api/jobs/:id/image.png           tone-mapped image, streamed; ?maxSize=N a preview (N ≤ 1024)
 *   GET  /api/jobs/:id/image.pfm           linear float RGB (mean radiance), Portable Float Map, streamed
 *   GET  /api/jobs/:id/image.exr           the same floats as OpenEXR (float32 RGB, uncompressed), streamed
 *   GET  /api/jobs/:id/accumulation        raw sums: float64 LE, RESULT_CHANNELS per pixel, row-major, streamed
 *   POST /api/work/lease                   { sessionId, adapter? } -> 200 Lease (a unit or a spot check), or 204
 *   GET  /api/contributors/:sessionId                            -> ContributorView
 *   PUT  /api/work/leases/:leaseId/result  float32 LE body, header `x-lumengrid-session` -> SubmitReceipt
 *   DELETE /api/work/leases/:leaseId       header `x-lumengrid-session` -> { released } (gives a lease back early)
 *   GET  /api/scenes                                             -> { scenes: SceneSummary[] } (built-ins, uploads)
 *   POST /api/scenes                       multipart `files` (+ `name`) -> 201 SceneSummary
 *   GET  /api/scenes/:hash                 the packed scene file (immutable); a built-in id redirects
 *   GET  /api/scenes/:ref/summary          SceneSummary by built-in id or hash
 *
 * Errors are JSON `{ error, message, next: string[], details? }` with a 4xx status.
 */
import type { JobSpec, RedundancyMode } from './job-spec';
import type { Environment, RenderTask } from './render-task';
import type { PackedSceneInfo, SceneImportStats } from './scene-info';
import type { Tile } from './tiles';

/**
 * 'awaiting-deposit': a paid job whose deposit the escrow has not seen yet; no unit is handed out.
 * 'paused' and 'cancelled' (by the job's owner, lib/work/job-control.ts) hand out no units either; a paused
 * job may resume, a cancelled one never does.
 */
export type JobStatus = 'awaiting-deposit' | 'rendering' | 'paused' | 'cancelled' | 'done';

/** A status the job never leaves. */
export function isFinalStatus(status: JobStatus): boolean {
  return status === 'done' || status === 'cancelled';
}

export interface TileProgress extends Tile {
  /** Samples per pixel accepted into this tile so far. */
  samplesDone: number;
  /** Spot checks of this tile's units that agreed with the submission, and that disagreed. */
  checksPassed: number;
  checksFailed: number;
  /** Submissions rejected by verification and re-issued to another contributor. */
  unitsRejected: number;
  /** An animation's frame this tile belongs to (every frame has its own tiles); absent for a still. */
  frame?: number;
}

/** A job's verification so far (spot checks, docs/design.md "Verification protocol"). */
export interface JobVerification {
  /** Requested confidence: the chance one check catches a unit with 5 % of its pixels faked. */
  confidence: number;
  /** Pixels each check re-renders of a full-size unit. */
  pixelsPerCheck: number;
  /** Units whose result is waiting for its checks. */
  unitsVerifying: number;
  unitsRejected: number;
  /** Pixel-samples rendered for checks so far, and their share of the accepted pixel-samples. */
  checkPixelSamples: number;
  overhead: number;
  /** 'independent-seeds': each unit also rendered by another contributor with its own stream, compared statistically. */
  redundancy: RedundancyMode;
}

export interface JobView {
  id: string;
  status: JobStatus;
  spec: JobSpec;
  createdAt: number;
  /** When the first unit was leased (ms since epoch), or null. */
  startedAt: number | null;
  completedAt: number | null;
  unitsTotal: number;
  unitsDone: number;
  pixelSamplesDone: number;
  pixelSamplesTotal: number;
  tiles: TileProgress[];
  /** Increases with every accepted result; clients use it to refetch the image only when it changed. */
  version: number;
  verification: JobVerification;
  /** Escrow payment of a paid job; null for an unpaid (volunteer) job. */
  payment: JobPaymentView | null;
  /** Unlisted, and readable with its owner's token only (lib/work/job-owner.ts). */
  private: boolean;
  /** Its order among its owner's jobs (JOB_PRIORITY_LIMITS): higher leases first. */
  priority: number;
  /** GET /api/jobs/:id only: whether the request's owner token (header or cookie) owns the job. */
  ownedByYou?: boolean;
}

/** POST /api/jobs: the job, and the owner token that controls it (sent once; the coordinator keeps a hash). */
export interface CreatedJobView extends JobView {
  ownerToken: string;
}

/** wei amounts are decimal strings (uint256 does not fit a JSON number). */
export interface JobPaymentView {
  /** What the requestor deposits under: `deposit(chainJobKey, expiresAt)` from the requestor's address. */
  chainJobKey: `0x${string}`;
  /**
   * The job's id in the escrow, `jobIdOf(requestor, chainJobKey)` (for `refund` and `dispute`): a deposit
   * under the same key from any other address is another job, which this one never counts.
   */
  chainJobId: `0x${string}`;
  state: 'awaiting-deposit' | 'funded' | 'closed' | 'refunded' | 'held';
  priceWeiPerPixelSample: string;
  /** What the requestor must deposit (covers verification for all-new contributors; the rest is refunded). */
  budgetWei: string;
  /** Expected cost with typical verification. */
  estimateWei: string;
  depositedWei: string;
  requestor: `0x${string}` | null;
  /** Paid to contributors by final settlements so far. */
  settledWei: string;
  /** Verified work of this job so far, valued at its price (settled or not). */
  creditedWei: string;
  /** Seconds since epoch after which the requestor may take back the unsettled rest anyway. */
  expiresAt: number | null;
  /**
   * A posted settlement of this job still inside its challenge window (or disputed): the requestor may
   * `dispute(settlementId, chainJobId)` until `disputableUntil` (chain time, seconds).
   */
  openSettlement: {
    settlementId: number;
    state: 'pending' | 'disputed';
    settledWei: string;
    disputableUntil: number;
    closes: boolean;
  } | null;
}

/** GET /api/chain: where the escrow lives, for wallets. */
export type ChainInfo =
  | {
      enabled: true;
      chainId: number;
      /** viem's name for the chain ("Base Sepolia"), "Local chain (anvil)", or "Chain <id>" where unknown. */
      chainName: string;
      /** The chain's block explorer (viem's chain list); null for a local chain or one viem does not know. */
      explorer: { name: string; url: string } | null;
      rpcUrl: string;
      escrowAddress: `0x${string}`;
      challengeWindowSeconds: number;
      /** The exact wei a dispute carries (returned unless the arbiter upholds the settlement). */
      disputeBondWei: string;
      priceWeiPerPixelSample: string;
      /** POST /api/chain/faucet gives test ether (the local chain of npm start only). */
      faucet: boolean;
    }
  | { enabled: false; reason: string };

/** GET /api/claims/:address: what an address has earned, can claim now, and has claimed. */
export interface ClaimsView {
  address: `0x${string}`;
  /** Verified credit not yet in a final settlement (includes credit in a settlement inside its window). */
  pendingWei: string;
  /** In the latest final settlement and not yet claimed. */
  claimableWei: string;
  claimedWei: string;
  /** The claim call for what is claimable now; null when nothing is. */
  claim: { settlementId: number; cumulativeWei: string; proof: `0x${string}`[] } | null;
  /**
   * "Claim without gas": the coordinator's relayer sends the claim for a signed fee (EIP-712 RelayedClaim,
   * lib/settlement/relayed-claim.ts) through POST /api/claims/:address/relay. Null when this coordinator
   * runs no relayer; `available: false` says why this claim cannot be relayed now.
   */
  relay:
    | { available: true; relayer: `0x${string}`; feeWei: string; feeBps: number }
    | { available: false; reason: string; feeBps: number }
    | null;
  /** Contributor sessions paying to this address. */
  sessions: number;
  /** Settlements that included this address, newest first. */
  settlements: {
    settlementId: number | null;
    state: 'built' | 'posted' | 'pending' | 'disputed' | 'final' | 'void' | 'failed';
    cumulativeWei: string;
    postedAt: number | null;
    disputableUntil: number | null;
    txHash: string | null;
  }[];
  /** Verified credit by job, newest first. */
  jobs: { jobId: string; creditedWei: string; pixelSamples: number }[];
}

/** POST /api/claims/:address/relay: the relayed claim, sent (the page waits for its receipt). */
export interface RelayedClaimView {
  txHash: `0x${string}`;
  relayer: `0x${string}`;
  /** What the address receives: the claim minus the fee. */
  paidWei: string;
  feeWei: string;
}

/** GET /api/contributors/:sessionId: a contributor's record as verification sees it. */
export interface ContributorView {
  sessionId: string;
  unitsAccepted: number;
  unitsRejected: number;
  /** Submitted units still waiting for their checks. */
  unitsVerifying: number;
  checksAgreed: number;
  checksFaulted: number;
  quarantined: boolean;
  /** Verified work credited to this session, in pixel-samples (units and checks). */
  creditedPixelSamples: number;
  /** Where this session's credit is paid, once its wallet signed for it. */
  payoutAddress: `0x${string}` | null;
  /** Per unit this session submitted: what verification decided (newest first, at most 1000). */
  units: { unitId: number; jobId: string; verdict: 'verifying' | 'accepted' | 'rejected' }[];
}

export interface Lease {
  leaseId: string;
  jobId: string;
  unitId: number;
  /** ms since epoch; a result that arrives later is refused and the unit goes to someone else. */
  expiresAt: number;
  task: RenderTask;
  /**
   * Spot checks leased together with `task` under the same lease id, so that a fast device does not pay a
   * round trip per check. They are rendered like any task; the result of the lease is `task`'s result
   * followed by each check's, in this order (lib/protocol/result-layout.ts leaseTasks).
   */
  checks?: BatchedCheck[];
}

/** A spot check carried by a lease (Lease.checks). */
export interface BatchedCheck {
  jobId: string;
  unitId: number;
  task: RenderTask;
}

export interface SubmitReceipt {
  accepted: true;
  /** True when this exact lease's result had already been accepted: nothing was added twice. */
  duplicate: boolean;
  job: { id: string; status: JobStatus; unitsDone: number; unitsTotal: number };
}

export const SESSION_HEADER = 'x-lumengrid-session';

/** A lease request's header with the operator's token: its session becomes a trusted verifier. */
export const VERIFIER_TOKEN_HEADER = 'x-lumengrid-verifier-token';

/** What the dashboard shows of a scene, and what a job needs to reference it. */
export interface SceneSummary {
  /** SHA-256 (hex) of the packed scene file. */
  hash: string;
  name: string;
  source: 'built-in' | 'upload';
  builtInId: string | null;
  /** Size of the packed file contributors download. */
  bytes: number;
  info: PackedSceneInfo;
  stats: SceneImportStats;
  warnings: string[];
  /** The environment a job gets when it names none. */
  defaultEnvironment: Environment;
  createdAt: number;
}
