import { z } from 'zod';

/** Scenes the renderer knows without an upload. */
export const BUILT_IN_SCENES = ['cornell'] as const;
export type SceneId = (typeof BUILT_IN_SCENES)[number];

/** Upper bounds that keep one job within what a coordinator and its database can hold. */
export const JOB_LIMITS = {
  maxDimension: 4096,
  maxSamplesPerPixel: 65_536,
  maxUnits: 200_000,
  maxBounces: 16,
} as const;

const u32 = z.number().int().min(0).max(0xffff_ffff);

/** What a requestor asks for. Optional fields get defaults chosen by `planJob`. */
export const JobRequestSchema = z
  .object({
    scene: z.enum(BUILT_IN_SCENES, { error: `scene must be one of: ${BUILT_IN_SCENES.join(', ')}` }),
    width: z.number().int().min(8).max(JOB_LIMITS.maxDimension),
    height: z.number().int().min(8).max(JOB_LIMITS.maxDimension),
    samplesPerPixel: z.number().int().min(1).max(JOB_LIMITS.maxSamplesPerPixel),
    maxBounces: z.number().int().min(1).max(JOB_LIMITS.maxBounces).default(6),
    tileSize: z.number().int().min(8).max(256).optional(),
    samplesPerUnit: z.number().int().min(1).max(JOB_LIMITS.maxSamplesPerPixel).optional(),
    seed: u32.optional(),
  })
  .strict();

export type JobRequest = z.input<typeof JobRequestSchema>;
export type ParsedJobRequest = z.output<typeof JobRequestSchema>;

/** A job's immutable render settings, as stored and as sent to contributors. */
export interface JobSpec {
  scene: SceneId;
  width: number;
  height: number;
  samplesPerPixel: number;
  maxBounces: number;
  tileSize: number;
  samplesPerUnit: number;
  seed: number;
}
