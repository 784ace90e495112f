import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenderTask } from '../protocol/render-task';
import { DEMO_SCENES } from '../scene/demo-scenes';
import { packScene } from '../scene/pack-scene';
import type { SceneDescription } from '../scene/scene-description';
import { GPU_SETUP_TIMEOUT_MS, openTestTracer } from '../testing/gpu-test-setup';
import { orbitCamera } from '../work/frame-pose';
import type { PathTracer } from './path-tracer';

// An animation frame's camera (RenderTask.pose.camera, resolved by the coordinator) on Dawn in Node
// (SwiftShader where there is no GPU): the same pose draws the same bits, another camera draws another image.
let device: GPUDevice;
let tracer: PathTracer;
let packedCamera: ReturnType<typeof packScene>['info']['camera'];
let packedBounds: ReturnType<typeof packScene>['info']['bounds'];

beforeAll(async () => {
  ({ device, tracer } = await openTestTracer());
  const packed = packScene(DEMO_SCENES.cornell?.build() as SceneDescription);
  packedCamera = packed.info.camera;
  packedBounds = packed.info.bounds;
  tracer.loadScene('cornell', packed);
}, GPU_SETUP_TIMEOUT_MS);
afterAll(() => device?.destroy());

function task(overrides: Partial<RenderTask> = {}): RenderTask {
  return {
    sceneHash: 'cornell',
    environment: { type: 'uniform', radiance: [0.2, 0.2, 0.2] },
    seed: 99,
    maxBounces: 2,
    width: 12,
    height: 12,
    region: { x: 0, y: 0, width: 12, height: 12 },
    sampleStart: 0,
    sampleEnd: 2,
    ...overrides,
  };
}

const render = async (t: RenderTask) => (await tracer.render(t, { fixedSamplesPerDispatch: 2 })).data;

describe('a frame pose camera', () => {
  it('draws the scene camera bit for bit when the pose repeats it, and a moved camera differently', async () => {
    const still = await render(task());
    const samePose = await render(task({ pose: { frame: 0, camera: packedCamera } }));
    expect(Buffer.from(samePose.buffer).equals(Buffer.from(still.buffer))).toBe(true);

    const turned = orbitCamera({ camera: packedCamera, bounds: packedBounds }, { start: 0, end: 3 }, 90, 1);
    const moved = await render(task({ pose: { frame: 1, camera: turned } }));
    const movedAgain = await render(task({ pose: { frame: 1, camera: turned } }));
    expect(Buffer.from(movedAgain.buffer).equals(Buffer.from(moved.buffer))).toBe(true);
    let differing = 0;
    for (let i = 0; i < still.length; i++) if (still[i] !== moved[i]) differing++;
    expect(differing).toBeGreaterThan(still.length / 4);
  }, 120_000);
});
