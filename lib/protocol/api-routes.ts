import { z } from 'zod';
import { SESSION_HEADER, VERIFIER_TOKEN_HEADER } from './api-types';
import { FrameParamSchema, ImagePngQuerySchema } from './image-query';
import {
  JobPriorityRequestSchema,
  JobProgressHistorySchema,
  OWNER_SIGNATURE_EXPIRES_HEADER,
  OWNER_SIGNATURE_HEADER,
} from './job-control';
import { JobRequestSchema, SceneRefSchema } from './job-spec';
import { LeaseRequestSchema, SessionIdSchema } from './lease-request';
import { BODY_LIMITS, ENVIRONMENT_MAP_LIMITS, IMAGE_LIMITS } from './limits';
import { SIGNATURE_HEADER } from './session-signature';

/**
 * Every route under app/api, declared once: its method and path, what it takes and what it answers. The
 * request schemas are the same zod schemas the routes validate with (JobRequestSchema, LeaseRequestSchema,
 * ImagePngQuerySchema, …), so GET /api/openapi.json (lib/protocol/openapi.ts) cannot drift from what is
 * enforced; api-routes.test.ts fails when a route file exists that this list does not describe.
 *
 * Adding a route is one entry here. Answers are described by the TypeScript type they carry
 * (lib/protocol/api-types.ts), which has no runtime schema.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export type ApiTag = 'Jobs' | 'Images' | 'Scenes' | 'Work' | 'Contributors' | 'Payments' | 'API';

export interface ApiAnswer {
  description: string;
  /** The media type of the body; absent for an answer without one (204, 304). */
  contentType?: string;
  /** The body's schema, when it has a runtime one. */
  schema?: z.ZodType;
  /** The TypeScript type it carries (lib/protocol/api-types.ts), for readers. */
  type?: string;
}

export interface ApiRoute {
  method: HttpMethod;
  /** OpenAPI form: `{id}` for Next's `[id]`. */
  path: string;
  tag: ApiTag;
  summary: string;
  description?: string;
  /** Path parameters, one schema per `{name}` in `path`. */
  params?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  headers?: Record<string, { description: string; required?: boolean }>;
  body?: { contentType: string; schema?: z.ZodType; description: string };
  answers: Record<number, ApiAnswer>;
}

/** Every error answer's body (lib/protocol/errors.ts BaseError.toJSON). */
export const ErrorBodySchema = z
  .object({
    error: z.string().meta({ description: 'The error class, e.g. InvalidRequestError.' }),
    message: z.string().meta({ description: 'What went wrong, for a person.' }),
    next: z.array(z.string()).meta({ description: 'What to do next.' }),
    details: z.unknown().optional(),
  })
  .meta({ id: 'Error' });

const JobId = z.string().max(64).meta({ description: 'The job id POST /api/jobs answered with.' });
const LeaseId = z.string().max(128).meta({ description: 'The lease id of a Lease.' });

const json = (type: string, description: string): ApiAnswer => ({
  description,
  contentType: 'application/json',
  type,
});
const error = (description: string): ApiAnswer => ({
  description,
  contentType: 'application/json',
  schema: ErrorBodySchema,
});
const imageAnswers = (contentType: string, description: string): Record<number, ApiAnswer> => ({
  200: { description, contentType },
  304: { description: 'The job has not changed since the ETag in If-None-Match.' },
  404: error('No job with this id.'),
  503: error('The image builder is busy; retry after Retry-After seconds.'),
});
const ownerHeaders = {
  authorization: { description: 'Bearer <ownerToken> (the token POST /api/jobs answered with).' },
  [OWNER_SIGNATURE_HEADER]: {
    description: "A paid job's depositing wallet instead: EIP-191 signature of jobControlMessage.",
  },
  [OWNER_SIGNATURE_EXPIRES_HEADER]: { description: 'The signed expiry (seconds since epoch).' },
};
const ownerAnswers: Record<number, ApiAnswer> = {
  200: json('JobView', 'The job after the action.'),
  401: error('No owner token.'),
  403: error('The token or signature does not own this job.'),
  404: error('No job with this id.'),
  409: error("The job's status does not allow this action."),
};
const ifNoneMatch = {
  'if-none-match': {
    description: 'The ETag of an earlier answer: 304 while the job is at the same version.',
  },
};
const session = { [SESSION_HEADER]: { description: 'The contributor session id.', required: true } };

export const API_ROUTES: ApiRoute[] = [
  {
    method: 'get',
    path: '/api/openapi.json',
    tag: 'API',
    summary: 'This document',
    answers: {
      200: { description: 'The OpenAPI 3.1 description of this API.', contentType: 'application/json' },
    },
  },
  {
    method: 'get',
    path: '/api/health',
    tag: 'API',
    summary: 'Whether this instance can serve',
    description: 'Cheap and public. The chain is reported but not required (chain: ok, unavailable or off).',
    answers: {
      200: json('{ database: "ok"; chain: string }', 'The database answers.'),
      503: json('{ database: string; chain: string }', 'The database did not answer within 2 s.'),
    },
  },
  {
    method: 'post',
    path: '/api/jobs',
    tag: 'Jobs',
    summary: 'Create a render job',
    description:
      'Plans and stores a job. An unpaid job is leased out to contributors at once; one with budgetWei waits in awaiting-deposit until its escrow deposit is seen.',
    body: { contentType: 'application/json', schema: JobRequestSchema, description: 'What to render.' },
    answers: {
      201: json(
        'CreatedJobView',
        'The job as planned, with its ownerToken (shown this once: keep it to control the job); Location names it.',
      ),
      400: error('The request is malformed: the answer names the fields to fix.'),
      429: error('Too many new jobs from this origin; retry after Retry-After seconds.'),
    },
  },
  {
    method: 'get',
    path: '/api/jobs',
    tag: 'Jobs',
    summary: 'List jobs, newest first',
    answers: {
      200: json(
        '{ jobs: JobView[]; mine: JobView[] }',
        'Public jobs newest first, and the jobs the Bearer owner token owns.',
      ),
    },
  },
  {
    method: 'get',
    path: '/api/jobs/{id}',
    tag: 'Jobs',
    summary: 'One job and its progress',
    params: { id: JobId },
    answers: {
      200: json('JobView', 'The job, its tiles and verification.'),
      404: error('No job with this id.'),
    },
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/events',
    tag: 'Jobs',
    summary: 'Follow a job (Server-Sent Events)',
    description:
      'First `event: job` with the JobView, then `event: job-delta` (a JobView whose tiles are those that changed) on every change.',
    params: { id: JobId },
    answers: {
      200: { description: 'The event stream.', contentType: 'text/event-stream', type: 'JobView' },
      404: error('No job with this id.'),
      429: error('Too many open streams from this origin.'),
      503: error('Too many open streams in all.'),
    },
  },
  ...(['cancel', 'pause', 'resume'] as const).map(
    (action): ApiRoute => ({
      method: 'post',
      path: `/api/jobs/{id}/${action}`,
      tag: 'Jobs',
      summary: `${action.charAt(0).toUpperCase()}${action.slice(1)} a job (its owner only)`,
      description:
        action === 'cancel'
          ? 'No more leasing; leased work still verified and credited; a paid job closes and its unsettled deposit becomes refundable.'
          : undefined,
      params: { id: JobId },
      headers: ownerHeaders,
      answers: ownerAnswers,
    }),
  ),
  {
    method: 'post',
    path: '/api/jobs/{id}/priority',
    tag: 'Jobs',
    summary: "Reorder one's own jobs",
    description: "Priority only reorders the owner's jobs among the queue places they already hold.",
    params: { id: JobId },
    headers: ownerHeaders,
    body: {
      contentType: 'application/json',
      schema: JobPriorityRequestSchema,
      description: '`{ priority }`.',
    },
    answers: { ...ownerAnswers, 400: error('priority is out of range.') },
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/progress',
    tag: 'Jobs',
    summary: "The job's progress history (for ETA and the chart)",
    params: { id: JobId },
    answers: {
      200: {
        description: 'Samples oldest first.',
        contentType: 'application/json',
        schema: JobProgressHistorySchema,
      },
      403: error('A private job: send its owner token.'),
      404: error('No job with this id.'),
    },
  },
  {
    method: 'post',
    path: '/api/jobs/{id}/deposit',
    tag: 'Payments',
    summary: 'Tell the coordinator a paid job was deposited',
    description: 'The chain decides: the coordinator reads the escrow (or the given transaction) itself.',
    params: { id: JobId },
    body: {
      contentType: 'application/json',
      description: '`{ txHash? }`: the deposit transaction, when known (0x and 64 hex digits).',
    },
    answers: {
      200: json('JobView', 'The job after the deposit was looked for.'),
      400: error('Not a paid job, or a malformed txHash.'),
    },
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/image.png',
    tag: 'Images',
    summary: 'The tone-mapped image (PNG)',
    description: `8-bit sRGB RGBA, streamed. With maxSize (1 to ${IMAGE_LIMITS.maxPreviewSize}) a preview averaged down from the tiles.`,
    params: { id: JobId },
    query: ImagePngQuerySchema,
    headers: ifNoneMatch,
    answers: { ...imageAnswers('image/png', 'The PNG.'), 400: error('maxSize is out of range.') },
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/image.pfm',
    tag: 'Images',
    summary: 'Linear float RGB (Portable Float Map)',
    description:
      'Mean radiance per pixel, float32 little-endian, rows bottom to top; streamed with Content-Length.',
    params: { id: JobId },
    headers: ifNoneMatch,
    answers: imageAnswers('application/x-portable-floatmap', 'The PFM.'),
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/image.exr',
    tag: 'Images',
    summary: 'Linear float RGB (OpenEXR)',
    description:
      'The same mean radiance as the PFM, as an uncompressed float32 scanline OpenEXR; streamed with Content-Length.',
    params: { id: JobId },
    headers: ifNoneMatch,
    answers: imageAnswers('image/x-exr', 'The EXR.'),
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/frames/{frame}/image.png',
    tag: 'Images',
    summary: "One animation frame's tone-mapped image (PNG)",
    description: `As /api/jobs/{id}/image.png, for frame \`frame\` of an animation job (frames.start to frames.end). With maxSize (1 to ${IMAGE_LIMITS.maxPreviewSize}) a preview.`,
    params: { id: JobId, frame: FrameParamSchema },
    query: ImagePngQuerySchema,
    headers: ifNoneMatch,
    answers: {
      ...imageAnswers('image/png', 'The PNG.'),
      400: error('maxSize is out of range, or frame is not a frame number.'),
      404: error('No such job, a still job, or a frame outside the job range.'),
    },
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/frames/{frame}/image.pfm',
    tag: 'Images',
    summary: "One animation frame's linear float RGB (Portable Float Map)",
    description: 'As /api/jobs/{id}/image.pfm, for one frame of an animation job.',
    params: { id: JobId, frame: FrameParamSchema },
    headers: ifNoneMatch,
    answers: {
      ...imageAnswers('application/x-portable-floatmap', 'The PFM.'),
      400: error('frame is not a frame number.'),
      404: error('No such job, a still job, or a frame outside the job range.'),
    },
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/frames/{frame}/image.exr',
    tag: 'Images',
    summary: "One animation frame's linear float RGB (OpenEXR)",
    description: 'As /api/jobs/{id}/image.exr, for one frame of an animation job.',
    params: { id: JobId, frame: FrameParamSchema },
    headers: ifNoneMatch,
    answers: {
      ...imageAnswers('image/x-exr', 'The EXR.'),
      400: error('frame is not a frame number.'),
      404: error('No such job, a still job, or a frame outside the job range.'),
    },
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/frames.zip',
    tag: 'Images',
    summary: 'Every frame of an animation (PNGs in a zip)',
    description:
      'One tone-mapped PNG per frame, named lumengrid-{id}-frame-NNNNNN.png, streamed frame by frame. A private job needs its owner token.',
    params: { id: JobId },
    answers: {
      200: { description: 'The zip.', contentType: 'application/zip' },
      400: error('The job is a still image (use image.png).'),
      404: error('No such job.'),
    },
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/accumulation',
    tag: 'Images',
    summary: 'The raw per-pixel sums',
    description:
      'float64 little-endian, per pixel r, g, b, luminance², sample count; row-major; the layout is in x-lumengrid-layout.',
    params: { id: JobId },
    headers: ifNoneMatch,
    answers: imageAnswers('application/octet-stream', 'The sums.'),
  },
  {
    method: 'get',
    path: '/api/scenes',
    tag: 'Scenes',
    summary: 'List scenes',
    answers: { 200: json('{ scenes: SceneSummary[] }', 'The built-in scenes, then uploads (newest first).') },
  },
  {
    method: 'post',
    path: '/api/scenes',
    tag: 'Scenes',
    summary: 'Upload a glTF scene',
    description: `multipart/form-data: the files in the field \`files\` (a .glb, or a .gltf with its .bin and images), an optional \`name\`; at most ${BODY_LIMITS.uploadBytes} bytes.`,
    body: { contentType: 'multipart/form-data', description: 'Fields `files` (one or more) and `name`.' },
    answers: {
      201: json('SceneSummary', 'The imported scene; its hash is what a job names.'),
      400: error('Not multipart, or too many files.'),
      413: error('The upload is too large.'),
      422: error('The files are not a scene the renderer can use; the answer says why.'),
      429: error('Too many uploads from this origin.'),
      503: error('The importer is busy; retry after Retry-After seconds.'),
    },
  },
  {
    method: 'get',
    path: '/api/scenes/{ref}',
    tag: 'Scenes',
    summary: 'The packed scene file',
    description: 'By hash: immutable bytes. A built-in id redirects (307) to its current hash.',
    params: { ref: SceneRefSchema },
    answers: {
      200: { description: 'The packed scene.', contentType: 'application/vnd.lumengrid.scene' },
      307: { description: 'A built-in id: Location names its hash.' },
      404: error('No scene with this reference.'),
    },
  },
  {
    method: 'get',
    path: '/api/scenes/{ref}/summary',
    tag: 'Scenes',
    summary: 'A scene’s summary',
    params: { ref: SceneRefSchema },
    answers: {
      200: json('SceneSummary', 'Counts, camera, warnings, default environment.'),
      404: error('No such scene.'),
    },
  },
  {
    method: 'get',
    path: '/api/environments',
    tag: 'Scenes',
    summary: 'List environment maps',
    answers: {
      200: json('{ environmentMaps: EnvironmentMapSummary[] }', 'The built-in maps, then uploads.'),
    },
  },
  {
    method: 'post',
    path: '/api/environments',
    tag: 'Scenes',
    summary: 'Upload an HDR environment map',
    description: `A Radiance .hdr (RGBE, flat or RLE) as the raw body, at most ${ENVIRONMENT_MAP_LIMITS.maxBytes} bytes and ${ENVIRONMENT_MAP_LIMITS.maxWidth}×${ENVIRONMENT_MAP_LIMITS.maxHeight}; its name in the query parameter \`name\`.`,
    body: { contentType: 'image/vnd.radiance', description: 'The .hdr file.' },
    answers: {
      201: json(
        'EnvironmentMapSummary',
        "The stored map; its hash is what a job's { type: 'map' } environment names.",
      ),
      413: error('The file or its declared size is over the limits.'),
      422: error('Not a Radiance .hdr the renderer can read; the answer says why.'),
      429: error('Too many uploads from this origin.'),
    },
  },
  {
    method: 'get',
    path: '/api/environments/{ref}',
    tag: 'Scenes',
    summary: 'The .hdr file of an environment map',
    description: 'By hash: immutable bytes. A built-in name redirects (307) to its hash.',
    params: { ref: z.string().max(128).meta({ description: 'A map hash or a built-in name.' }) },
    answers: {
      200: { description: 'The map.', contentType: 'image/vnd.radiance' },
      307: { description: 'A built-in name: Location names its hash.' },
      404: error('No map with this reference.'),
    },
  },
  {
    method: 'get',
    path: '/api/environments/{ref}/summary',
    tag: 'Scenes',
    summary: 'An environment map’s summary',
    params: { ref: z.string().max(128).meta({ description: 'A map hash or a built-in name.' }) },
    answers: { 200: json('EnvironmentMapSummary', 'Hash, size, name.'), 404: error('No such map.') },
  },
  {
    method: 'post',
    path: '/api/work/lease',
    tag: 'Work',
    summary: 'Lease the next unit to render',
    headers: {
      [VERIFIER_TOKEN_HEADER]: {
        description: 'The operator’s token: this session leases as the trusted verifier.',
      },
    },
    body: { contentType: 'application/json', schema: LeaseRequestSchema, description: 'Who asks.' },
    answers: {
      200: json('Lease', 'A unit (and spot checks) to render before expiresAt.'),
      204: { description: 'No work right now: ask again later.' },
      400: error('A malformed request.'),
      401: error('A wrong verifier token.'),
      403: error('This session is quarantined.'),
      429: error('Too many lease requests from this session.'),
    },
  },
  {
    method: 'delete',
    path: '/api/work/leases/{leaseId}',
    tag: 'Work',
    summary: 'Give a lease back early',
    params: { leaseId: LeaseId },
    headers: session,
    answers: { 200: json('{ released: boolean }', 'Whether a held lease was released.') },
  },
  {
    method: 'put',
    path: '/api/work/leases/{leaseId}/result',
    tag: 'Work',
    summary: 'Submit a lease’s result',
    description:
      'float32 little-endian sums in the layout of lib/protocol/result-layout.ts, signed with the session key.',
    params: { leaseId: LeaseId },
    headers: {
      ...session,
      [SIGNATURE_HEADER]: { description: 'The session key’s signature of the body.', required: true },
    },
    body: { contentType: 'application/octet-stream', description: 'The result.' },
    answers: {
      200: json('SubmitReceipt', 'Accepted (or already accepted: duplicate).'),
      400: error('A malformed or wrong-sized result.'),
      401: error('A missing or wrong signature.'),
      409: error('The lease expired or is not this session’s.'),
      413: error('The body is too large.'),
    },
  },
  {
    method: 'get',
    path: '/api/contributors/{sessionId}',
    tag: 'Contributors',
    summary: 'A contributor’s record',
    params: { sessionId: SessionIdSchema },
    answers: { 200: json('ContributorView', 'What verification decided of its units.') },
  },
  {
    method: 'post',
    path: '/api/contributors/{sessionId}/payout-address',
    tag: 'Payments',
    summary: 'Bind a payout address to a session',
    params: { sessionId: SessionIdSchema },
    body: {
      contentType: 'application/json',
      description:
        'The address and the session key’s signature binding it (lib/client/api.ts bindPayoutAddress).',
    },
    answers: {
      200: json('{ address, alreadyBound: true }', 'Already bound to this address.'),
      201: json('{ address, alreadyBound: false }', 'Bound.'),
      400: error('A malformed request or signature.'),
      409: error('Bound to another address already.'),
    },
  },
  {
    method: 'get',
    path: '/api/chain',
    tag: 'Payments',
    summary: 'Where the escrow lives',
    answers: { 200: json('ChainInfo', 'The chain, escrow address and prices; or why payments are off.') },
  },
  {
    method: 'post',
    path: '/api/chain/faucet',
    tag: 'Payments',
    summary: 'Test ether (local chain only)',
    body: { contentType: 'application/json', description: '`{ address }`: an Ethereum address.' },
    answers: {
      200: json('{ address, balanceWei }', 'The funded address.'),
      400: error('No faucet here, or a bad address.'),
    },
  },
  {
    method: 'get',
    path: '/api/claims/{address}',
    tag: 'Payments',
    summary: 'What an address has earned and can claim',
    params: { address: z.string().regex(/^0x[0-9a-fA-F]{40}$/) },
    answers: {
      200: json('ClaimsView', 'Pending, claimable and claimed credit, with the claim call.'),
      400: error('Not an address.'),
    },
  },
  {
    method: 'post',
    path: '/api/claims/{address}/relay',
    tag: 'Payments',
    summary: 'Claim without gas: the relayer sends the claim for a signed fee',
    description:
      'The address signs an EIP-712 RelayedClaim (account, cumulativeAmount, relayer, fee) with the fee GET /api/claims/{address} offers; the relayer sends claimRelayed and keeps the fee. Refused, at no gas, when nothing is claimable, the signature or fee is not the current one, or the fee would not pay the gas.',
    params: { address: z.string().regex(/^0x[0-9a-fA-F]{40}$/) },
    body: {
      contentType: 'application/json',
      description: '`{ cumulativeWei, feeWei, signature }`: the signed claim.',
    },
    answers: {
      200: json('RelayedClaimView', 'The claim transaction, sent.'),
      400: error('No relayer here, a bad address or body, or a signature that is not the address’s.'),
      409: error('Nothing claimable, a stale claim or fee, or a fee that does not pay the gas.'),
      429: error('Too many relayed claims from this origin or for this address.'),
      503: error('The chain or the relayer cannot send now.'),
    },
  },
];
