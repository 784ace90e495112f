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

/**
 * The largest unit a lease hands out, in pixels: 512 x 512 (a 5 MiB result). Units grow in samples first, so
 * this bounds only what one result costs to carry and check, not how long a fast GPU's unit may be.
 */
export const MAX_UNIT_PIXELS = 512 * 512;

/** Request bodies, checked against Content-Length and again while reading (lib/coordinator/http.ts). */
export const BODY_LIMITS = {
  /** JSON requests: job requests, leases, payout bindings. */
  jsonBytes: 16 * 1024,
  /** A scene upload (.glb, or .gltf with its buffers and images). */
  uploadBytes: 64 * 1024 * 1024,
} as const;

/** The most spot checks one lease carries along with its task (Lease.checks). */
export const MAX_BATCHED_CHECKS = 32;

/**
 * Job images (lib/work/job-image.ts, lib/work/image-gate.ts). Full-size images are streamed a band of tiles
 * at a time, so one build holds O(width × tileSize); these bound how many builds run at once, and the
 * encoded PNGs kept so that a dashboard polling one version does not rebuild it.
 */
export const IMAGE_LIMITS = {
  /** Image builds (PNG, PFM, raw sums, previews) running at once in this process. */
  maxActiveBuilds: 2,
  /** Builds queued behind those; one more is refused with 503 and Retry-After. */
  maxQueuedBuilds: 4,
  /** What a refused build is told to wait, in seconds. */
  retryAfterSeconds: 2,
  /** The longer side of a preview (`image.png?maxSize=`), at most; the default when maxSize is absent is full size. */
  maxPreviewSize: 1024,
  /** Encoded PNGs (full and previews) kept per job version, all together... */
  pngCacheBytes: 32 * 1024 * 1024,
  /** ...and one at most (a larger PNG is streamed every time it is asked for). */
  pngCacheEntryBytes: 8 * 1024 * 1024,
} as const;

/** Server-Sent Event streams of jobs (lib/work/job-event-stream.ts) open at once. */
export const EVENT_STREAM_LIMITS = {
  /** From one network origin (lib/coordinator/rate-limit.ts originKey): more is 429. */
  perOrigin: 16,
  /** In this process: more is 503. */
  total: 128,
  /** A refused stream is told to come back after this many seconds (the dashboard polls meanwhile). */
  retryAfterSeconds: 10,
} as const;
