import { expect } from 'vitest';
import type { CoordinatorContext } from '../coordinator/context';
import type { FramePose } from '../protocol/frame-pose';
import { type JobSpec, taskCamera } from '../protocol/job-spec';
import type { RenderTask } from '../protocol/render-task';
import { RESULT_CHANNELS } from '../protocol/result-layout';
import { contributorView } from '../work/contributor-view';
import { readAccumulation } from '../work/job-image';
import { getJob } from '../work/jobs';
import { leaseUnit } from '../work/lease-unit';
import { submitResult } from '../work/submit-result';
import type { FarmApi } from './farm';
import { standInRender } from './stand-in-renderer';

/** One GPU class for everyone, as on a farm of one GPU model: checks compare exactly (SAME_ADAPTER). */
export const STAND_IN_ADAPTER = { vendor: 'lumengrid', architecture: 'stand-in' };

/** The simulated farm's API, straight into the coordinator (no HTTP). */
export function inProcessFarmApi(ctx: () => CoordinatorContext): FarmApi {
  return {
    lease: (sessionId, origin) => leaseUnit(ctx(), { sessionId, adapter: STAND_IN_ADAPTER }, { origin }),
    submit: async (lease, sessionId, data) => {
      await submitResult(ctx(), {
        leaseId: lease.leaseId,
        sessionId,
        body: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      });
    },
    contributor: (sessionId) => contributorView(ctx().db, sessionId),
  };
}

/** The task that renders a job's whole image (an animation's frame: with its pose) in one piece. */
export function wholeImageTask(spec: JobSpec, pose?: FramePose): RenderTask {
  return {
    sceneHash: spec.sceneHash,
    environment: spec.environment,
    ...taskCamera(spec),
    width: spec.width,
    height: spec.height,
    seed: spec.seed,
    maxBounces: spec.maxBounces,
    region: { x: 0, y: 0, width: spec.width, height: spec.height },
    sampleStart: 0,
    sampleEnd: spec.samplesPerPixel,
    ...(pose ? { pose } : {}),
  };
}

/**
 * The job is done and its accumulated image equals one honest render of the whole image (float64 sums of
 * float32 partial sums: equal to float32 rounding), every pixel with exactly samplesPerPixel samples.
 */
export async function expectHonestImage(
  ctx: CoordinatorContext,
  jobId: string,
  /** An animation's frame, and the pose its tasks carried. */
  frame?: { frame: number; pose: FramePose },
): Promise<void> {
  const job = await getJob(ctx, jobId);
  expect(job.status).toBe('done');
  const { sums } = await readAccumulation(ctx, jobId, frame?.frame);
  const honest = await standInRender(wholeImageTask(job.spec, frame?.pose));
  expect(honest.length).toBe(job.spec.width * job.spec.height * RESULT_CHANNELS);
  let worst = 0;
  for (let i = 0; i < honest.length; i++) {
    const a = sums[i] as number;
    const b = honest[i] as number;
    worst = Math.max(worst, Math.abs(a - b) / Math.max(1e-6, Math.abs(b)));
  }
  expect(worst).toBeLessThan(1e-5);
  for (let p = RESULT_CHANNELS - 1; p < sums.length; p += RESULT_CHANNELS) {
    if (sums[p] !== job.spec.samplesPerPixel)
      expect(sums[p], `samples of pixel ${Math.floor(p / RESULT_CHANNELS)}`).toBe(job.spec.samplesPerPixel);
  }
}
