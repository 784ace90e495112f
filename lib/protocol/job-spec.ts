import { z } from 'zod';
import { BUILT_IN_ENVIRONMENT_MAPS } from './environment-maps';
import { ANIMATION_LIMITS, CONFIDENCE_LIMITS, JOB_LIMITS, JOB_PRIORITY_LIMITS } from './limits';
import { type Environment, type Lens, PIXEL_FILTERS, type PixelFilter, type RenderTask } from './render-task';
import type { Vec3 } from './scene-info';

/** Scenes the renderer knows without an upload (lib/scene/demo-scenes.ts builds them). */
export const BUILT_IN_SCENES = ['cornell', 'showcase', 'dense'] as const;
export type BuiltInSceneId = (typeof BUILT_IN_SCENES)[number];

/** A scene reference: a built-in scene's id, or the SHA-256 (hex) of an uploaded packed scene. */
export const SceneRefSchema = z.string().regex(/^([a-z][a-z0-9-]{0,31}|[0-9a-f]{64})$/, {
  error: `scene must be a built-in scene (${BUILT_IN_SCENES.join(', ')}) or the hash of an uploaded scene`,
});

export function isSceneHash(ref: string): boolean {
  return /^[0-9a-f]{64}$/.test(ref);
}

const radianceComponent = z.number().min(0).max(1e4);
const Rgb = z.tuple([radianceComponent, radianceComponent, radianceComponent]);
/** An environment map reference: a built-in map's name or the SHA-256 (hex) of an uploaded .hdr file. */
export const EnvironmentMapRefSchema = z.string().regex(/^([a-z][a-z0-9-]{0,31}|[0-9a-f]{64})$/, {
  error: `hash must be a built-in environment map (${BUILT_IN_ENVIRONMENT_MAPS.join(', ')}) or the hash of an uploaded .hdr file`,
});

export const EnvironmentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('uniform'), radiance: Rgb }).strict(),
  z.object({ type: z.literal('sky'), zenith: Rgb, horizon: Rgb, ground: Rgb }).strict(),
  /** The job stores the map's hash: a built-in name is resolved when the job is created. */
  z
    .object({
      type: z.literal('map'),
      hash: EnvironmentMapRefSchema,
      rotationDegrees: z.number().min(-360).max(360).default(0),
      intensity: z.number().min(0).max(1e4).default(1),
    })
    .strict(),
]);

/**
 * Thin-lens depth of field, in scene units (glTF: metres). The radius is bounded well beyond any real
 * lens (f / 2N: 25 mm at f/1 for a 50 mm lens) yet keeps the scene in front of the camera meaningful.
 */
export const LensSchema = z
  .object({
    apertureRadius: z.number().min(0).max(100),
    focusDistance: z.number().min(1e-3).max(1e6),
  })
  .strict();

/** Fewest samples per unit with which the independent-seed comparison can estimate a pixel's variance. */
export const MIN_SAMPLES_PER_REPLICA = 4;

/** How units are verified: spot checks alone, or also a replica with independent seeds. */
export const REDUNDANCY_MODES = ['spot-checks', 'independent-seeds'] as const;
export type RedundancyMode = (typeof REDUNDANCY_MODES)[number];

const u32 = z.number().int().min(0).max(0xffff_ffff);

/**
 * An animation's frames: the inclusive range start..end, each its own image; a glTF animation's time at
 * frame f is f / fps (lib/work/frame-pose.ts). Bounded in count (ANIMATION_LIMITS); the job's pixel-samples
 * (every frame's) are bounded like a still's.
 */
export const FramesSchema = z
  .object({
    start: z.number().int().min(0).max(ANIMATION_LIMITS.maxFrameNumber),
    end: z.number().int().min(0).max(ANIMATION_LIMITS.maxFrameNumber),
    fps: z
      .number()
      .min(ANIMATION_LIMITS.minFps)
      .max(ANIMATION_LIMITS.maxFps)
      .default(ANIMATION_LIMITS.defaultFps),
  })
  .strict()
  .superRefine((frames, ctx) => {
    if (frames.end < frames.start) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: 'end must not come before start (frames are inclusive)',
      });
    } else if (frames.end - frames.start + 1 > ANIMATION_LIMITS.maxFrames) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: `a job renders at most ${ANIMATION_LIMITS.maxFrames} frames; split the range into several jobs`,
      });
    }
  });
export type Frames = z.output<typeof FramesSchema>;

const coordinate = z.number().min(-1e6).max(1e6);
const Vec3Schema = z.tuple([coordinate, coordinate, coordinate]);

/**
 * How the camera moves over a static scene's frames. 'orbit': a turntable, the scene camera (position and
 * target) turned about the vertical (+y) axis through the centre of the scene's bounds, `degrees` over the
 * whole range (360: a loop whose last frame leads back into the first). 'keyframes': camera keys at frame
 * numbers, linearly interpolated between them and held before the first and after the last.
 */
export const CameraPathSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('orbit'),
      degrees: z.number().min(-3600).max(3600).default(360),
    })
    .strict(),
  z
    .object({
      type: z.literal('keyframes'),
      keys: z
        .array(
          z
            .object({
              frame: z.number().int().min(0).max(ANIMATION_LIMITS.maxFrameNumber),
              position: Vec3Schema,
              target: Vec3Schema,
              /** Vertical field of view in degrees; absent: the scene camera's. */
              yfovDegrees: z.number().min(1).max(170).optional(),
            })
            .strict(),
        )
        .min(1)
        .max(ANIMATION_LIMITS.maxCameraKeys),
    })
    .strict()
    .superRefine((path, ctx) => {
      for (let i = 1; i < path.keys.length; i++) {
        if ((path.keys[i]?.frame ?? 0) <= (path.keys[i - 1]?.frame ?? 0)) {
          ctx.addIssue({
            code: 'custom',
            path: ['keys', i, 'frame'],
            message: 'keys must be in increasing frame order',
          });
        }
      }
      for (const [i, key] of path.keys.entries()) {
        if (key.position.every((v, axis) => v === key.target[axis])) {
          ctx.addIssue({
            code: 'custom',
            path: ['keys', i, 'target'],
            message: 'a key camera must look somewhere other than its own position',
          });
        }
      }
    }),
]);
export type CameraPath = z.output<typeof CameraPathSchema>;

export interface CameraKey {
  frame: number;
  position: Vec3;
  target: Vec3;
  yfovDegrees?: number;
}

/** What a requestor asks for. Optional fields get defaults chosen by `planJob`. */
export const JobRequestSchema = z
  .object({
    scene: SceneRefSchema,
    /** Light from outside the scene; the scene's own default when absent. */
    environment: EnvironmentSchema.optional(),
    /** Depth of field; absent: a pinhole camera (glTF cameras have no aperture). */
    lens: LensSchema.optional(),
    /** How samples spread over a pixel (lib/protocol/render-task.ts PixelFilter). */
    pixelFilter: z.enum(PIXEL_FILTERS).default('gaussian'),
    width: z.number().int().min(8).max(JOB_LIMITS.maxDimension),
    height: z.number().int().min(8).max(JOB_LIMITS.maxDimension),
    samplesPerPixel: z.number().int().min(1).max(JOB_LIMITS.maxSamplesPerPixel),
    maxBounces: z.number().int().min(1).max(JOB_LIMITS.maxBounces).default(6),
    tileSize: z.number().int().min(8).max(256).optional(),
    samplesPerUnit: z.number().int().min(1).max(JOB_LIMITS.maxSamplesPerPixel).optional(),
    seed: u32.optional(),
    /**
     * Probability that one spot check catches a unit with 5 % of its pixels faked
     * (lib/verification/policy.ts); higher costs more check pixels per unit.
     */
    /**
     * 'independent-seeds': every unit is also rendered by a second contributor with an independent random
     * stream (sample indices offset by samplesPerPixel); the two are compared statistically and, when they
     * agree, both are kept (the image ends with twice the samples). Spot checks decide where they disagree.
     */
    redundancy: z.enum(REDUNDANCY_MODES).default('spot-checks'),
    /** An animation: these frames, each its own image. Absent: one still image. */
    frames: FramesSchema.optional(),
    /** The camera's path over the frames of a static scene (needs `frames`). Absent: the scene's camera. */
    cameraPath: CameraPathSchema.optional(),
    /**
     * A paid job's budget in wei (decimal string): deposited in the escrow before rendering starts; what the
     * verified work does not use is refunded. Absent: an unpaid (volunteer) job.
     */
    budgetWei: z
      .string()
      .regex(/^[0-9]{1,40}$/, { error: 'budgetWei must be a whole number of wei, as a decimal string' })
      .optional(),
    /**
     * A paid job's requestor: the address that deposits (the dashboard's connected wallet). The escrow's
     * job id is derived from it, so only this address can fund the job or dispute and refund it.
     */
    requestor: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, { error: 'requestor must be an address (0x and 40 hex digits)' })
      .optional(),
    confidence: z
      .number()
      .min(CONFIDENCE_LIMITS.min)
      .max(CONFIDENCE_LIMITS.max)
      .default(CONFIDENCE_LIMITS.default),
    /**
     * Not listed; the job, its images and its events need the owner's token. Contributors still receive its
     * scene and settings to render it: private means unlisted and unreadable, not secret from them.
     */
    private: z.boolean().default(false),
    /** Its order among the same owner's jobs (never ahead of other owners' jobs). */
    priority: z
      .number()
      .int()
      .min(JOB_PRIORITY_LIMITS.min)
      .max(JOB_PRIORITY_LIMITS.max)
      .default(JOB_PRIORITY_LIMITS.default),
  })
  .strict()
  .superRefine((request, ctx) => {
    if (request.cameraPath && !request.frames) {
      ctx.addIssue({
        code: 'custom',
        path: ['cameraPath'],
        message:
          'a camera path moves the camera over frames: give the job `frames` too, or leave cameraPath out',
      });
    }
    // The independent-seed test estimates each pixel's variance from its samples: it needs a few.
    if (request.redundancy !== 'independent-seeds') return;
    const perUnit = Math.min(request.samplesPerPixel, request.samplesPerUnit ?? request.samplesPerPixel);
    if (perUnit < MIN_SAMPLES_PER_REPLICA) {
      ctx.addIssue({
        code: 'custom',
        path: [request.samplesPerUnit === undefined ? 'samplesPerPixel' : 'samplesPerUnit'],
        message: `independent-seed redundancy needs at least ${MIN_SAMPLES_PER_REPLICA} samples per unit; raise it or use spot checks`,
      });
    }
  });

export type JobRequest = z.input<typeof JobRequestSchema>;
export type ParsedJobRequest = z.output<typeof JobRequestSchema>;

/** A job's immutable render settings, as stored and as sent to contributors. */
export interface JobSpec {
  /** The scene as the requestor named it: a built-in id or an uploaded scene's hash. */
  scene: string;
  /** SHA-256 of the packed scene file every unit renders. */
  sceneHash: string;
  environment: Environment;
  /** Absent: a pinhole. */
  lens?: Lens;
  /** Absent on jobs stored before pixel filters existed: 'box'. */
  pixelFilter?: PixelFilter;
  width: number;
  height: number;
  samplesPerPixel: number;
  maxBounces: number;
  tileSize: number;
  samplesPerUnit: number;
  seed: number;
  /** Verification confidence (verification-policy.ts). Jobs stored before verification existed lack it. */
  confidence?: number;
  /** Absent on jobs stored before redundancy existed: spot checks. */
  redundancy?: RedundancyMode;
  /**
   * 'device': units are carved at lease time, sized to each device (lib/work/carve.ts); `samplesPerUnit` is
   * then only the planner's estimate. 'fixed': every unit is one tile x `samplesPerUnit` samples, planned up
   * front (the request named samplesPerUnit). Absent on jobs stored before carving existed: 'fixed'.
   */
  unitSizing?: 'device' | 'fixed';
  /** An animation's frames (each its own image). Absent (every job stored before animations): a still. */
  frames?: Frames;
  /** How the camera moves over the frames (lib/work/frame-pose.ts). Absent: the scene's (or its animation's). */
  cameraPath?: CameraPath;
}

/** The job's frame numbers in order: the inclusive range of an animation, none for a still. */
export function frameCount(spec: Pick<JobSpec, 'frames'>): number {
  return spec.frames ? spec.frames.end - spec.frames.start + 1 : 1;
}

/** Whether the job renders frames (each its own image) rather than one still. */
export function isAnimation(spec: Pick<JobSpec, 'frames'>): spec is { frames: Frames } {
  return spec.frames !== undefined;
}

/** Whether a job's units are fixed and planned up front (see JobSpec.unitSizing; old jobs are). */
export function hasFixedUnits(spec: Pick<JobSpec, 'unitSizing'>): boolean {
  return spec.unitSizing !== 'device';
}

/** The camera settings a job's tasks carry: every unit, check and re-render of the job gets the same. */
export function taskCamera(
  spec: Pick<JobSpec, 'lens' | 'pixelFilter'>,
): Pick<RenderTask, 'lens' | 'pixelFilter'> {
  return {
    ...(spec.lens && spec.lens.apertureRadius > 0 ? { lens: spec.lens } : {}),
    ...(spec.pixelFilter ? { pixelFilter: spec.pixelFilter } : {}),
  };
}
