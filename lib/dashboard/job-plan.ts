/**
 * The new-job form's rules: its fields as text, the request they make, and what the server will plan and
 * charge for them, computed with the same code the coordinator runs (lib/work/plan.ts, lib/settlement).
 */
import type { JobRequest, RedundancyMode } from '../protocol/job-spec';
import { JobRequestSchema } from '../protocol/job-spec';
import { ANIMATION_LIMITS, JOB_LIMITS } from '../protocol/limits';
import type { PixelFilter } from '../protocol/render-task';
import { jobPixelSamples } from '../protocol/tiles';
import { costOfPlan, type JobCost } from '../settlement/pricing';
import { planTiling, unitCount } from '../work/plan';
import { type EnvironmentChoice, environmentOf, isMapChoice } from './environment-presets';
import { fitsLocalRender, type LocalRenderParams } from './local-render-params';
import { DEFAULT_CONFIDENCE, describeVerificationCost, verificationCost } from './verification-view';

/** The form's fields, as the person typed them. */
export interface JobFormFields {
  /** A built-in scene's id or an uploaded scene's hash. */
  scene: string;
  environment: EnvironmentChoice;
  /** The uploaded .hdr's hash (environment 'map'). */
  environmentMap: string;
  /** An HDR map's turn about +y, degrees, and its scale. */
  mapRotation: string;
  mapIntensity: string;
  /** Thin-lens aperture radius in scene units; empty or 0: a pinhole. */
  apertureRadius: string;
  focusDistance: string;
  pixelFilter: PixelFilter;
  width: string;
  height: string;
  samplesPerPixel: string;
  maxBounces: string;
  tileSize: string;
  samplesPerUnit: string;
  seed: string;
  /** One of CONFIDENCE_CHOICES, as its number's text. */
  confidence: string;
  redundancy: RedundancyMode;
  /** An animation's inclusive frame range; an empty last frame: a still. */
  frameStart: string;
  frameEnd: string;
  /** Frames per second of the animation; empty: 24. */
  fps: string;
  /** A turntable over the frames, degrees of turn; empty: the scene's camera (or its animation). */
  orbitDegrees: string;
}

export const JOB_FORM_DEFAULTS: JobFormFields = {
  scene: 'cornell',
  environment: 'default',
  environmentMap: '',
  mapRotation: '0',
  mapIntensity: '1',
  apertureRadius: '',
  focusDistance: '',
  pixelFilter: 'gaussian',
  width: '256',
  height: '256',
  samplesPerPixel: '64',
  maxBounces: '6',
  tileSize: '',
  samplesPerUnit: '',
  seed: '',
  confidence: String(DEFAULT_CONFIDENCE),
  redundancy: 'spot-checks',
  frameStart: '0',
  frameEnd: '',
  fps: '',
  orbitDegrees: '',
};

/** Empty optional fields are left out so that the server chooses; other text goes as a number (NaN -> null). */
export function toJobRequest(f: JobFormFields): JobRequest {
  const num = (s: string) => (s.trim() === '' ? undefined : Number(s));
  const request: Record<string, unknown> = {
    scene: f.scene,
    // Only a deliberate choice is sent: without one the job gets the scene's own environment.
    environment: environmentOf(f.environment, {
      hash: f.environmentMap.trim(),
      rotationDegrees: num(f.mapRotation) ?? 0,
      intensity: num(f.mapIntensity) ?? 1,
    }),
    // A lens only with an aperture; its focus distance is then required (the schema says so when missing).
    lens:
      num(f.apertureRadius) && num(f.apertureRadius) !== 0
        ? { apertureRadius: num(f.apertureRadius), focusDistance: num(f.focusDistance) }
        : undefined,
    pixelFilter: f.pixelFilter,
    width: num(f.width),
    height: num(f.height),
    samplesPerPixel: num(f.samplesPerPixel),
    maxBounces: num(f.maxBounces),
    tileSize: num(f.tileSize),
    samplesPerUnit: num(f.samplesPerUnit),
    seed: num(f.seed),
    confidence: num(f.confidence),
    redundancy: f.redundancy,
    // Frames only with a last frame: without one the job is a still, as before animations.
    frames:
      num(f.frameEnd) === undefined
        ? undefined
        : { start: num(f.frameStart) ?? 0, end: num(f.frameEnd), ...(num(f.fps) ? { fps: num(f.fps) } : {}) },
    cameraPath:
      num(f.orbitDegrees) === undefined ? undefined : { type: 'orbit', degrees: num(f.orbitDegrees) },
  };
  for (const key of Object.keys(request)) if (request[key] === undefined) delete request[key];
  return request as unknown as JobRequest;
}

export type JobPlan =
  | {
      ok: true;
      pixelSamples: number;
      units: number;
      tileSize: number;
      samplesPerUnit: number;
      tooMany: boolean;
      confidence: number;
      /** What spot checks add, for this confidence and tile size (lib/verification/policy.ts). */
      verification: string;
      /** Pixel-samples the spot checks are expected to render on top (trusted contributors). */
      checkPixelSamples: number;
    }
  | { ok: false; problem: string };

/** What the server will plan for these fields, computed with the same code (lib/work/plan.ts). */
export function previewJobPlan(f: JobFormFields): JobPlan {
  const parsed = JobRequestSchema.safeParse(toJobRequest(f));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { ok: false, problem: `${where}${issue?.message ?? 'invalid request'}` };
  }
  const spec = { ...parsed.data, ...planTiling(parsed.data) };
  const units = unitCount(spec);
  // Every frame's (the coordinator's own figure, lib/protocol/tiles.ts jobPixelSamples).
  const pixelSamples = jobPixelSamples(spec);
  const checks = verificationCost(spec.confidence, spec.tileSize);
  return {
    ok: true,
    pixelSamples,
    units,
    tileSize: spec.tileSize,
    samplesPerUnit: spec.samplesPerUnit,
    tooMany: units > JOB_LIMITS.maxUnits,
    confidence: spec.confidence,
    verification: describeVerificationCost(checks),
    checkPixelSamples: Math.round(pixelSamples * checks.overhead),
  };
}

/** What the job will cost at the escrow's price: the same computation as the coordinator's. */
export function planCost(plan: JobPlan, priceWeiPerPixelSample: string): JobCost | null {
  if (!plan.ok) return null;
  return costOfPlan(plan, BigInt(priceWeiPerPixelSample));
}

/**
 * The /render parameters that preview these fields in the browser, or null when they cannot: the plan is
 * invalid or the image is too large for one local task.
 */
export function localPreviewParams(f: JobFormFields, plan: JobPlan): Partial<LocalRenderParams> | null {
  const fits =
    plan.ok &&
    fitsLocalRender({
      width: Number(f.width),
      height: Number(f.height),
      samplesPerPixel: Number(f.samplesPerPixel),
    });
  if (!fits) return null;
  return {
    scene: f.scene,
    env: f.environment,
    ...(isMapChoice(f.environment)
      ? {
          envMap: f.environmentMap.trim(),
          envRotation: Number(f.mapRotation),
          envIntensity: Number(f.mapIntensity),
        }
      : {}),
    ...(Number(f.apertureRadius) > 0
      ? { aperture: Number(f.apertureRadius), focus: Number(f.focusDistance) }
      : {}),
    filter: f.pixelFilter,
    width: Number(f.width),
    height: Number(f.height),
    spp: Number(f.samplesPerPixel),
    maxBounces: Number(f.maxBounces),
    seed: f.seed.trim() ? Number(f.seed) : undefined,
  };
}

/**
 * The last frame of a scene animation `seconds` long at `fps` (glTF time = frame / fps: frame 0 is its
 * start, the last frame the last whole frame before its end), within the frame limit.
 */
export function lastFrameOf(seconds: number, fps: number): number {
  // The epsilon keeps 2.5 s x 24 fps = 60 from rounding down to 59 on float error.
  return Math.min(ANIMATION_LIMITS.maxFrames - 1, Math.floor(seconds * fps + 1e-6));
}
