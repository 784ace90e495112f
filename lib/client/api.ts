/**
 * Typed fetch helpers for the coordinator's HTTP API (lib/protocol/api-types.ts), for browser code. A non-2xx
 * answer becomes an ApiError carrying the server's short message and next steps.
 */

import type {
  ChainInfo,
  ClaimsView,
  ContributorView,
  CreatedJobView,
  JobView,
  Lease,
  RelayedClaimView,
  SceneSummary,
  SubmitReceipt,
} from '../protocol/api-types';
import { SESSION_HEADER, VERIFIER_TOKEN_HEADER } from '../protocol/api-types';
import type { EnvironmentMapSummary } from '../protocol/environment-maps';
import { BaseError } from '../protocol/errors';
import type { JobControlAction, JobProgressHistory } from '../protocol/job-control';
import type { JobRequest } from '../protocol/job-spec';
import { SIGNATURE_HEADER } from '../protocol/session-signature';
import { sessionPublicKey, signPayoutBinding, signResult } from './session-key';

export interface RequestOptions {
  signal?: AbortSignal;
  /** Defaults to the global fetch; tests pass their own. */
  fetch?: typeof fetch;
}

/** The coordinator refused a request; `message` is its short message followed by the next steps. */
export class ApiError extends BaseError {
  override readonly name = 'ApiError';
  readonly status: number;
  /** The machine-readable error name from the body, e.g. 'LeaseError'. */
  readonly code: string | undefined;
  /** How long the server asked us to wait before trying again (its Retry-After), when it said. */
  readonly retryAfterMs: number | null;

  constructor(
    status: number,
    shortMessage: string,
    next: string[],
    code?: string,
    details?: unknown,
    retryAfterMs: number | null = null,
  ) {
    super(shortMessage, { metaMessages: next, details });
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/** A Retry-After header (delay in seconds, or an HTTP date) in ms from `nowMs`; null when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), 24 * 3600) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

interface ErrorBody {
  error?: unknown;
  message?: unknown;
  next?: unknown;
  details?: unknown;
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: ErrorBody | null = null;
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    // Not JSON (a proxy's error page, a crash): fall back to the status line.
  }
  const message =
    typeof body?.message === 'string' && body.message
      ? body.message
      : `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const next = Array.isArray(body?.next) ? body.next.filter((s): s is string => typeof s === 'string') : [];
  const code = typeof body?.error === 'string' ? body.error : undefined;
  const wait = retryAfterMs(response.headers.get('retry-after'));
  return new ApiError(response.status, message, next, code, body?.details, wait);
}

async function request(path: string, init: RequestInit, options: RequestOptions): Promise<Response> {
  const doFetch = options.fetch ?? fetch;
  const response = await doFetch(path, { ...init, signal: options.signal, cache: 'no-store' });
  if (!response.ok) throw await toApiError(response);
  return response;
}

async function json<T>(path: string, init: RequestInit, options: RequestOptions): Promise<T> {
  const response = await request(path, init, options);
  return (await response.json()) as T;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** A scene's summary by built-in id or hash (GET /api/scenes/:ref/summary). */
export function getSceneSummary(ref: string, options: RequestOptions = {}): Promise<SceneSummary> {
  return json(`/api/scenes/${encodeURIComponent(ref)}/summary`, { method: 'GET' }, options);
}

/** An environment map's summary by built-in name or hash (GET /api/environments/:ref/summary). */
export function getEnvironmentMapSummary(
  ref: string,
  options: RequestOptions = {},
): Promise<EnvironmentMapSummary> {
  return json(`/api/environments/${encodeURIComponent(ref)}/summary`, { method: 'GET' }, options);
}

/**
 * POST /api/environments: uploads a Radiance .hdr environment map (the raw file as the body); one the
 * coordinator cannot use is an ApiError (413 too large, 422 unreadable) saying what to send instead.
 */
export function uploadEnvironmentMap(
  file: File,
  options: RequestOptions = {},
): Promise<EnvironmentMapSummary> {
  return json(
    `/api/environments?name=${encodeURIComponent(file.name)}`,
    { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file },
    options,
  );
}

/** GET /api/scenes: the built-in scenes, then recent uploads (newest first). */
export async function listScenes(options: RequestOptions = {}): Promise<SceneSummary[]> {
  const body = await json<{ scenes: SceneSummary[] }>('/api/scenes', { method: 'GET' }, options);
  return body.scenes;
}

/**
 * POST /api/scenes: uploads a glTF scene (one .glb, or a .gltf with its .bin and image files) for the
 * coordinator to import; a scene it cannot use is an ApiError (422) naming what is wrong.
 */
export function uploadScene(
  files: File[],
  name: string,
  options: RequestOptions = {},
): Promise<SceneSummary> {
  const form = new FormData();
  for (const file of files) form.append('files', file, file.name);
  form.set('name', name);
  return json('/api/scenes', { method: 'POST', body: form }, options);
}

/** A job owner's token (POST /api/jobs answered with it), sent as `authorization: Bearer <token>`. */
export interface OwnerOptions extends RequestOptions {
  ownerToken?: string | null;
}

function ownerHeaders(options: OwnerOptions, base: Record<string, string> = {}): Record<string, string> {
  return options.ownerToken ? { ...base, authorization: `Bearer ${options.ownerToken}` } : base;
}

/**
 * POST /api/jobs: plans and stores a job. An unpaid job is leased out at once; one with `budgetWei` waits in
 * 'awaiting-deposit' until its escrow deposit is seen. With `ownerToken` the job joins that owner's jobs;
 * without, the answer carries a new owner token, shown once.
 */
export function createJob(job: JobRequest, options: OwnerOptions = {}): Promise<CreatedJobView> {
  return json(
    '/api/jobs',
    { method: 'POST', headers: ownerHeaders(options, JSON_HEADERS), body: JSON.stringify(job) },
    options,
  );
}

/** GET /api/jobs: every listed job, newest first. */
export async function listJobs(options: RequestOptions = {}): Promise<JobView[]> {
  const body = await json<{ jobs: JobView[] }>('/api/jobs', { method: 'GET' }, options);
  return body.jobs;
}

/** GET /api/jobs with the owner's token: the listed jobs, and the owner's own (private ones too). */
export function listJobsAndMine(options: OwnerOptions = {}): Promise<{ jobs: JobView[]; mine: JobView[] }> {
  return json('/api/jobs', { method: 'GET', headers: ownerHeaders(options) }, options);
}

/** GET /api/jobs/:id (a private job needs its owner's token) */
export function getJob(id: string, options: OwnerOptions = {}): Promise<JobView> {
  return json(
    `/api/jobs/${encodeURIComponent(id)}`,
    { method: 'GET', headers: ownerHeaders(options) },
    options,
  );
}

/** POST /api/jobs/:id/cancel | pause | resume, as the job's owner. */
export function controlJob(
  id: string,
  action: JobControlAction,
  options: OwnerOptions & { ownerToken: string },
): Promise<JobView> {
  return json(
    `/api/jobs/${encodeURIComponent(id)}/${action}`,
    { method: 'POST', headers: ownerHeaders(options) },
    options,
  );
}

/** POST /api/jobs/:id/priority: the job's order among its owner's jobs. */
export function setJobPriority(
  id: string,
  priority: number,
  options: OwnerOptions & { ownerToken: string },
): Promise<JobView> {
  return json(
    `/api/jobs/${encodeURIComponent(id)}/priority`,
    { method: 'POST', headers: ownerHeaders(options, JSON_HEADERS), body: JSON.stringify({ priority }) },
    options,
  );
}

/** GET /api/jobs/:id/progress: the coordinator's samples of the job's progress. */
export function getJobProgress(id: string, options: OwnerOptions = {}): Promise<JobProgressHistory> {
  return json(
    `/api/jobs/${encodeURIComponent(id)}/progress`,
    { method: 'GET', headers: ownerHeaders(options) },
    options,
  );
}

/** The formats a job's image downloads in (GET /api/jobs/:id/image.{png,pfm,exr}). */
export const IMAGE_FORMATS = ['png', 'pfm', 'exr'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** GET /api/jobs/:id/image.<format>: the answer, its body not yet read (full images are large: stream it). */
export function fetchJobImage(
  id: string,
  format: ImageFormat,
  options: RequestOptions = {},
): Promise<Response> {
  return request(`/api/jobs/${encodeURIComponent(id)}/image.${format}`, { method: 'GET' }, options);
}

/**
 * POST /api/work/lease: the next unit to render, or null when there is no work right now (204). With the
 * operator's `verifierToken` the session leases as the trusted verifier (a wrong token is a 401).
 */
export async function leaseWork(
  sessionId: string,
  options: RequestOptions & {
    adapter?: { vendor?: string; architecture?: string };
    verifierToken?: string;
  } = {},
): Promise<Lease | null> {
  const { adapter, verifierToken, ...rest } = options;
  // The public key pins this session to its key pair: only its signed results are accepted.
  const publicKey = await sessionPublicKey(sessionId);
  // The adapter class lets verification compare this GPU's renders with the tightest tolerance that holds.
  const body = adapter
    ? {
        sessionId,
        publicKey,
        adapter: { vendor: adapter.vendor?.slice(0, 64), architecture: adapter.architecture?.slice(0, 64) },
      }
    : { sessionId, publicKey };
  const response = await request(
    '/api/work/lease',
    {
      method: 'POST',
      headers: verifierToken ? { ...JSON_HEADERS, [VERIFIER_TOKEN_HEADER]: verifierToken } : JSON_HEADERS,
      body: JSON.stringify(body),
    },
    rest,
  );
  if (response.status === 204) return null;
  return (await response.json()) as Lease;
}

/** PUT /api/work/leases/:leaseId/result with the unit's float32 sums as the body. */
export async function submitResult(
  lease: Pick<Lease, 'leaseId'>,
  sessionId: string,
  data: Float32Array<ArrayBuffer>,
  options: RequestOptions = {},
): Promise<SubmitReceipt> {
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const signature = await signResult(sessionId, lease.leaseId, body);
  return json(
    `/api/work/leases/${encodeURIComponent(lease.leaseId)}/result`,
    {
      method: 'PUT',
      headers: {
        'content-type': 'application/octet-stream',
        [SESSION_HEADER]: sessionId,
        [SIGNATURE_HEADER]: signature,
      },
      body,
    },
    options,
  );
}

/** DELETE /api/work/leases/:leaseId: gives a lease back before it lapses (a unit leased ahead, then paused). */
export async function releaseLease(
  lease: Pick<Lease, 'leaseId'>,
  sessionId: string,
  options: RequestOptions = {},
): Promise<{ released: boolean }> {
  return json(
    `/api/work/leases/${encodeURIComponent(lease.leaseId)}`,
    { method: 'DELETE', headers: { [SESSION_HEADER]: sessionId } },
    options,
  );
}

/** True for errors fetch throws when the network, not the server, failed (offline, refused, reset). */
export function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError;
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** GET /api/contributors/:sessionId: this session's verified work and credit. */
export function getContributor(sessionId: string, options: RequestOptions = {}): Promise<ContributorView> {
  return json(`/api/contributors/${encodeURIComponent(sessionId)}`, { method: 'GET' }, options);
}

/** GET /api/chain: where the escrow lives, or why this coordinator takes no payments. */
export function getChainInfo(options: RequestOptions = {}): Promise<ChainInfo> {
  return json('/api/chain', { method: 'GET' }, options);
}

/** POST /api/jobs/:id/deposit: "I deposited in this transaction"; the coordinator reads the chain itself. */
export function confirmDeposit(
  jobId: string,
  txHash: `0x${string}`,
  options: RequestOptions = {},
): Promise<JobView> {
  return json(
    `/api/jobs/${encodeURIComponent(jobId)}/deposit`,
    { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ txHash }) },
    options,
  );
}

/**
 * POST /api/contributors/:sessionId/payout-address: binds this session's credit to `address`, proven by the
 * address's signature of payoutBindingMessage and this session key's of payoutSigningMessage. A session
 * bound to another address is a 409.
 */
export async function bindPayoutAddress(
  sessionId: string,
  body: { address: `0x${string}`; signature: `0x${string}`; chainId: number },
  options: RequestOptions = {},
): Promise<{ address: `0x${string}`; alreadyBound: boolean }> {
  // The session key signs too: the binding proves the session as well as the wallet.
  const sessionSignature = await signPayoutBinding(sessionId, body.address, body.chainId);
  return json(
    `/api/contributors/${encodeURIComponent(sessionId)}/payout-address`,
    {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({
        address: body.address,
        signature: body.signature,
        sessionSignature,
        // Pinned if this session has not leased yet (its first lease would pin it anyway).
        sessionPublicKey: await sessionPublicKey(sessionId),
      }),
    },
    options,
  );
}

/** GET /api/claims/:address: what an address has earned, can claim now, and has claimed. */
export function getClaims(address: string, options: RequestOptions = {}): Promise<ClaimsView> {
  return json(`/api/claims/${encodeURIComponent(address)}`, { method: 'GET' }, options);
}

/**
 * POST /api/claims/:address/relay: asks the coordinator's relayer to send `address`'s claim, signed by the
 * address (EIP-712 RelayedClaim, lib/settlement/relayed-claim.ts) for `feeWei`. Answers once it is sent.
 */
export function relayClaim(
  address: `0x${string}`,
  body: { cumulativeWei: string; feeWei: string; signature: `0x${string}` },
  options: RequestOptions = {},
): Promise<RelayedClaimView> {
  return json(
    `/api/claims/${encodeURIComponent(address)}/relay`,
    { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) },
    options,
  );
}

/** POST /api/chain/faucet: tops the address up to 10 test ETH (the local chain of npm start only). */
export function requestTestEther(
  address: `0x${string}`,
  options: RequestOptions = {},
): Promise<{ address: `0x${string}`; balanceWei: string }> {
  return json(
    '/api/chain/faucet',
    { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ address }) },
    options,
  );
}
