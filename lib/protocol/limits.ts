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

/**
 * Animation jobs (lib/protocol/job-spec.ts FramesSchema): each frame is an image's worth of tiles in the
 * database, so frames times tiles per frame is bounded as well as the frame count.
 */
export const ANIMATION_LIMITS = {
  /** Frames in one job (the inclusive range end - start + 1). */
  maxFrames: 1000,
  /** The highest frame number a range may name. */
  maxFrameNumber: 1_000_000,
  /** Tile rows of one job, all frames together (4,096: one 4096² still in 64 px tiles). */
  maxTiles: 65_536,
  minFps: 1,
  maxFps: 240,
  defaultFps: 24,
  /** Keys of a keyframed camera path. */
  maxCameraKeys: 256,
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
 * What leasing holds one party to. Sessions cost nothing, so leases held are bounded per network origin too
 * (where the origin is known: lib/coordinator/client-origin.ts); and a session that keeps letting leases
 * lapse waits longer and longer before it gets another, since each lapse holds work back from everyone.
 */
export const LEASE_LIMITS = {
  /** Leases the sessions of one origin may hold at once (a household or an office of GPUs fits). */
  perOrigin: 48,
  /**
   * Lapses in a row before a session waits: a laptop that sleeps with everything a session may hold (a unit,
   * one leased ahead, a check: MAX_LEASES_HELD in lib/work/lease-unit.ts) lapses that many at once.
   */
  lapsesForgiven: 3,
  /** The wait after the first lapse not forgiven; it doubles with each further one, up to the max. */
  lapsePenaltyMs: 5_000,
  lapsePenaltyMaxMs: 300_000,
} as const;

/** What one job may ask of the farm, beyond JOB_LIMITS' per-field bounds. */
export const JOB_SIZE_LIMITS = {
  /** Pixel-samples of an unpaid (volunteer) job: 4096 x 4096 at 1024 samples per pixel. */
  maxFreePixelSamples: 4096 * 4096 * 1024,
  /** Pixel-samples of one fixed-size unit (tile x samplesPerUnit), leased to any device: 256 x 256 x 256. */
  maxFixedUnitPixelSamples: 256 * 256 * 256,
  /** Unpaid jobs still rendering that one origin may have at once. */
  maxOpenFreeJobsPerOrigin: 4,
  /** Unpaid jobs still rendering on this coordinator at once, from everyone. */
  maxOpenFreeJobs: 500,
} as const;

/**
 * Scene uploads (lib/scene/import-gltf.ts, lib/scene/scene-import-pool.ts, lib/work/scene-store.ts): what
 * one upload may cost the coordinator in memory, time and storage, and how long stored scenes live.
 */
export const SCENE_LIMITS = {
  /** The glTF JSON (a .gltf file or a .glb's JSON chunk): parsed in full before anything else. */
  maxJsonBytes: 16 * 1024 * 1024,
  /** glTF nodes: each is a transform to walk, and instancing one mesh across nodes multiplies triangles. */
  maxNodes: 100_000,
  /**
   * The packed scene file (lib/scene/scene-file.ts), uncompressed: what is stored (compressed), what each
   * contributor downloads and holds in GPU memory. 128 MiB is WebGPU's default maxStorageBufferBindingSize,
   * beyond which a section would not bind on a default device anyway. Counted before anything is stored:
   * estimated from the triangle and texel counts before flattening, then exactly once packed.
   */
  maxPackedBytes: 128 * 1024 * 1024,
  /**
   * Textures: the largest width or height, and width x height summed over a scene. The packed file keeps
   * them as PNG/JPEG; each contributor decodes them into 4 bytes a pixel of GPU memory, so these bound what
   * a scene file (a crafted one included) can make a contributor allocate.
   */
  maxTextureDimension: 4096,
  maxTexturePixelsTotal: 64 * 1024 * 1024,
  /** Imports running at once, each in its own worker thread (LUMENGRID_IMPORT_WORKERS overrides). */
  importWorkers: 1,
  /** Imports waiting for a worker; one more is answered 503 with Retry-After. */
  importQueue: 4,
  /** Wall-clock time one import may take (parse, decode, BVH, pack, compress) before its worker is ended. */
  importTimeoutMs: 60_000,
  /** JS heap of one import worker (V8 old generation); typed arrays are bounded by the limits above. */
  importHeapMb: 1024,
  /** Compressed bytes one origin may store per window (a day); shared by all clients without a trusted proxy. */
  storedBytesPerOrigin: 512 * 1024 * 1024,
  storageWindowMs: 24 * 60 * 60 * 1000,
  /** An uploaded scene no job refers to is deleted this long after its last upload. */
  unreferencedGraceMs: 24 * 60 * 60 * 1000,
  /** A scene whose jobs have all finished is deleted this long after the last one finished. */
  finishedRetentionMs: 7 * 24 * 60 * 60 * 1000,
  /** How often the coordinator sweeps scenes (lib/instance/coordinator.ts). */
  sweepIntervalMs: 60 * 60 * 1000,
} as const;

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

/** A requestor's order among their own jobs (lib/work/lease-unit.ts): higher leases first. */
export const JOB_PRIORITY_LIMITS = { min: -10, max: 10, default: 0 } as const;

/**
 * The coordinator's samples of each job's progress (lib/work/job-progress-history.ts): at least
 * `minIntervalMs` apart, and further apart as the job grows older (its age over `perJobSamples`), so that a
 * job of any length keeps about `perJobSamples` of them; never more than `maxPerJob` (the oldest go first).
 */
export const PROGRESS_HISTORY_LIMITS = { minIntervalMs: 5_000, perJobSamples: 360, maxPerJob: 720 } as const;

/**
 * Bounds on an environment map (lib/scene/radiance-hdr.ts), checked from the byte count and the header
 * before anything is decoded (413 beyond them). 4096 x 2048 is 128 MiB as the kernel's rgba32float texture
 * plus 32 MiB of CDFs: what a contributor's GPU holds beside the scene.
 */
export const ENVIRONMENT_MAP_LIMITS = {
  /** The .hdr file itself. */
  maxBytes: 32 * 2 ** 20,
  maxWidth: 4096,
  maxHeight: 2048,
  /** Header lines before the resolution line. */
  maxHeaderBytes: 16 * 1024,
} as const;
