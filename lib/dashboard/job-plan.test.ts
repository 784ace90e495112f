import { describe, expect, it } from 'vitest';
import { JobRequestSchema } from '../protocol/job-spec';
import { ANIMATION_LIMITS, JOB_LIMITS } from '../protocol/limits';
import { costOf } from '../settlement/job-payment';
import { planTiling } from '../work/plan';
import {
  JOB_FORM_DEFAULTS,
  type JobFormFields,
  lastFrameOf,
  localPreviewParams,
  planCost,
  previewJobPlan,
  toJobRequest,
} from './job-plan';

const fields = (over: Partial<JobFormFields> = {}): JobFormFields => ({ ...JOB_FORM_DEFAULTS, ...over });

describe('toJobRequest', () => {
  it('leaves empty optional fields out so that the server chooses', () => {
    const request = toJobRequest(fields());
    expect(request).toEqual({
      scene: 'cornell',
      width: 256,
      height: 256,
      samplesPerPixel: 64,
      maxBounces: 6,
      confidence: Number(JOB_FORM_DEFAULTS.confidence),
      redundancy: 'spot-checks',
      pixelFilter: 'gaussian',
    });
    expect('environment' in request).toBe(false);
    expect('lens' in request).toBe(false);
    expect('seed' in request).toBe(false);
  });

  it('sends a deliberate environment and numbers as numbers (text that is no number as NaN)', () => {
    const request = toJobRequest(fields({ environment: 'black', seed: ' 7 ', tileSize: 'x' }));
    expect(request.environment).toBeDefined();
    expect(request.seed).toBe(7);
    expect(request.tileSize).toBeNaN();
  });

  it('sends an HDR map with its placement, and a lens only with an aperture', () => {
    const request = toJobRequest(
      fields({
        environment: 'sunset',
        mapRotation: '90',
        mapIntensity: '2',
        apertureRadius: '0.05',
        focusDistance: '3',
      }),
    );
    expect(request.environment).toEqual({ type: 'map', hash: 'sunset', rotationDegrees: 90, intensity: 2 });
    expect(request.lens).toEqual({ apertureRadius: 0.05, focusDistance: 3 });
    const uploaded = toJobRequest(fields({ environment: 'map', environmentMap: 'ab'.repeat(32) }));
    expect(uploaded.environment).toMatchObject({ type: 'map', hash: 'ab'.repeat(32) });
    // An aperture without a focus distance is a plan problem the form names.
    const plan = previewJobPlan(fields({ apertureRadius: '0.1' }));
    expect(plan.ok).toBe(false);
    expect(toJobRequest(fields({ apertureRadius: '0' })).lens).toBeUndefined();
  });
});

describe('previewJobPlan', () => {
  it('plans the defaults as the server does: pixel-samples, units, tile size', () => {
    const plan = previewJobPlan(fields());
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    const spec = JobRequestSchema.parse(toJobRequest(fields()));
    const tiling = planTiling(spec);
    expect(plan.pixelSamples).toBe(256 * 256 * 64);
    expect(plan.tileSize).toBe(tiling.tileSize);
    expect(plan.samplesPerUnit).toBe(tiling.samplesPerUnit);
    expect(plan.units).toBeGreaterThan(0);
    expect(plan.tooMany).toBe(false);
    expect(plan.checkPixelSamples).toBeGreaterThan(0);
    expect(plan.verification).not.toBe('');
  });

  it('doubles the pixel-samples with an independent replica of every unit', () => {
    const plan = previewJobPlan(fields({ redundancy: 'independent-seeds' }));
    expect(plan.ok && plan.pixelSamples).toBe(2 * 256 * 256 * 64);
  });

  it('names the first invalid field', () => {
    const plan = previewJobPlan(fields({ width: '3' }));
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    expect(plan.problem).toMatch(/^width: /);
  });

  it('flags more units than a job may have', () => {
    const plan = previewJobPlan(
      fields({
        width: String(JOB_LIMITS.maxDimension),
        height: String(JOB_LIMITS.maxDimension),
        samplesPerPixel: '4096',
        tileSize: '8',
        samplesPerUnit: '1',
      }),
    );
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.units).toBeGreaterThan(JOB_LIMITS.maxUnits);
    expect(plan.tooMany).toBe(true);
  });
});

describe('planCost', () => {
  it('is the coordinator’s cost of the same job', () => {
    const price = '1000000000';
    const f = fields({ width: '64', height: '48', samplesPerPixel: '16' });
    const spec = JobRequestSchema.parse(toJobRequest(f));
    const planned = { ...spec, ...planTiling(spec) };
    expect(planCost(previewJobPlan(f), price)).toEqual(costOf(planned as never, BigInt(price)));
  });

  it('is null for an invalid plan', () => {
    expect(planCost(previewJobPlan(fields({ width: '' })), '1')).toBeNull();
  });
});

describe('localPreviewParams', () => {
  it('carries the fields to /render when they fit one local render', () => {
    const f = fields({ seed: '5' });
    expect(localPreviewParams(f, previewJobPlan(f))).toEqual({
      scene: 'cornell',
      env: 'default',
      width: 256,
      height: 256,
      spp: 64,
      maxBounces: 6,
      seed: 5,
      filter: 'gaussian',
    });
    expect(localPreviewParams(fields(), previewJobPlan(fields()))?.seed).toBeUndefined();
  });

  it('is null for an invalid plan or an image too large for the browser', () => {
    const bad = fields({ width: '3' });
    expect(localPreviewParams(bad, previewJobPlan(bad))).toBeNull();
    const large = fields({ width: '2048', height: '64' });
    expect(localPreviewParams(large, previewJobPlan(large))).toBeNull();
  });
});

describe('the animation fields', () => {
  it('send frames and a turntable only with a last frame, and plan every frame', () => {
    expect('frames' in toJobRequest(fields({ frameStart: '5' }))).toBe(false);
    const animation = fields({ frameStart: '1', frameEnd: '3', fps: '30', orbitDegrees: '90' });
    const request = toJobRequest(animation);
    expect(request.frames).toEqual({ start: 1, end: 3, fps: 30 });
    expect(request.cameraPath).toEqual({ type: 'orbit', degrees: 90 });
    const plan = previewJobPlan(animation);
    const still = previewJobPlan(fields());
    if (!plan.ok || !still.ok) throw new Error('both plans should be valid');
    expect(plan.pixelSamples).toBe(3 * still.pixelSamples);
    const backwards = previewJobPlan(fields({ frameStart: '4', frameEnd: '2' }));
    expect(backwards).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/frames.end: end must not come/),
    });
    const turnWithoutFrames = previewJobPlan(fields({ orbitDegrees: '360' }));
    expect(turnWithoutFrames).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/give the job `frames`/),
    });
  });
});

describe('lastFrameOf: the frame range the job form offers for a scene that moves', () => {
  it('ends on the last whole frame of the animation at the chosen fps', () => {
    expect(lastFrameOf(2.5, 24)).toBe(60);
    expect(lastFrameOf(1, 30)).toBe(30);
    expect(lastFrameOf(0.99, 24)).toBe(23);
    expect(lastFrameOf(1 / 3, 3)).toBe(1);
  });

  it('stays within the frame limit for a long animation', () => {
    expect(lastFrameOf(3600, 60)).toBe(ANIMATION_LIMITS.maxFrames - 1);
  });
});
