/**
 * Every bound the coordinator holds a request to, in one place: the routes, the schemas and the dashboard's
 * form all read them from here, so a limit cannot drift between the check and the message about it.
 */

/** Upper bounds that keep one job within what a coordinator and its database can hold. */
export const JOB_LIMITS = {
  maxDimension: 4096,
  maxSamplesPerPixel: 65_536,
  maxUnits: 200_000,
  maxBounces: 16,
} as const;

/** Verification confidence a requestor may ask for (lib/verification/policy.ts turns it into check pixels). */
export const CONFIDENCE_LIMITS = { min: 0.9, max: 0.999_999, default: 0.999 } as const;

/** The largest unit a lease hands out, in pixels: one 256 x 256 tile (JobRequestSchema caps tileSize at 256). */
export const MAX_UNIT_PIXELS = 256 * 256;

/** Request bodies, checked against Content-Length and again while reading (lib/coordinator/http.ts). */
export const BODY_LIMITS = {
  /** JSON requests: job requests, leases, payout bindings. */
  jsonBytes: 16 * 1024,
  /** A scene upload (.glb, or .gltf with its buffers and images). */
  uploadBytes: 64 * 1024 * 1024,
} as const;
