import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenderTask } from '../protocol/render-task';
import { DEMO_SCENES } from '../scene/demo-scenes';
import { packScene } from '../scene/pack-scene';
import type { SceneDescription } from '../scene/scene-description';
import { GPU_SETUP_TIMEOUT_MS, openTestTracer } from '../testing/gpu-test-setup';
import { differingFraction, renderHarness, sameBits } from '../testing/test-scenes';
import { kernelFeatures, PathTracer } from './path-tracer';

// Two-level BVH on Dawn in Node (SwiftShader): an instance drawn at a transform must look like the same
// triangles baked into world space at that transform. Images stay tiny.
let device: GPUDevice;
let tracer: PathTracer;

beforeAll(async () => {
  ({ device, tracer } = await openTestTracer());
}, GPU_SETUP_TIMEOUT_MS);
afterAll(() => device?.destroy());

const { load, task, render } = renderHarness(() => tracer);

const cornell = (): SceneDescription => {
  const demo = DEMO_SCENES.cornell;
  if (!demo) throw new Error('no cornell demo');
  return demo.build();
};

/** The Cornell box's non-emissive triangles with a centroid above the floor's middle band: the boxes. */
function movedTriangles(scene: SceneDescription): Set<number> {
  const moved = new Set<number>();
  const count = scene.materialIndices.length;
  for (let t = 0; t < count; t++) {
    const m = scene.materials[scene.materialIndices[t] as number];
    if (!m || m.emissive.some((e) => e > 0)) continue;
    const p = scene.positions;
    const ys = [p[9 * t + 1], p[9 * t + 4], p[9 * t + 7]] as number[];
    const xs = [p[9 * t], p[9 * t + 3], p[9 * t + 6]] as number[];
    // Not on a wall (walls span the box: |x| reaches the side walls).
    if (Math.max(...ys) < 1.6 && Math.max(...xs.map(Math.abs)) < 0.9 && Math.max(...ys) > 0.01) moved.add(t);
  }
  return moved;
}

/** The scene with `moved` triangles baked shifted by `shift` (a still scene of one instance). */
function baked(shift: number): SceneDescription {
  const scene = cornell();
  const positions = new Float32Array(scene.positions);
  for (const t of movedTriangles(scene))
    for (let v = 0; v < 3; v++) positions[9 * t + 3 * v] = (positions[9 * t + 3 * v] as number) + shift;
  return { ...scene, positions };
}

/**
 * The scene with `moved` triangles in instance 1, stored shifted by -rest and standing at +rest: at its
 * rest pose it is the original scene; posed at +x it is the original baked shifted by x - rest.
 */
function instanced(rest: number): SceneDescription {
  const scene = cornell();
  const positions = new Float32Array(scene.positions);
  const moved = movedTriangles(scene);
  const triangleInstances = new Uint32Array(scene.materialIndices.length);
  for (const t of moved) {
    triangleInstances[t] = 1;
    for (let v = 0; v < 3; v++) positions[9 * t + 3 * v] = (positions[9 * t + 3 * v] as number) - rest;
  }
  const at = (x: number) => [1, 0, 0, x, 0, 1, 0, 0, 0, 0, 1, 0] as [number, ...number[]];
  return {
    ...scene,
    positions,
    triangleInstances,
    instances: [
      { name: 'static', transform: at(0) },
      { name: 'boxes', transform: at(rest) },
    ],
  } as SceneDescription;
}

const shifted = (x: number) => [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, x, 0, 1, 0, 0, 0, 0, 1, 0];

describe('PathTracer: instances (two-level BVH)', () => {
  const small = (hash: string, overrides: Partial<RenderTask> = {}) =>
    task(hash, { width: 24, height: 16, sampleEnd: 8, maxBounces: 4, ...overrides });

  it('moves the boxes: a posed frame matches the scene baked at that pose, the rest pose does not', async () => {
    expect(movedTriangles(cornell()).size).toBeGreaterThan(0);
    const instancedHash = load('cornell-instanced', () => instanced(0.125));
    const posed = await render(
      small(instancedHash, { pose: { frame: 3, instanceTransforms: shifted(0.375) } }),
    );
    const rest = await render(small(instancedHash));
    const bakedPosed = await render(small(load('cornell-baked-0.25', () => baked(0.25))));
    const bakedRest = await render(small(load('cornell-baked-0', () => baked(0))));
    // Same seed, same paths: only rays whose hit moves by float32 rounding of the object-space transform
    // (a few ulps) may take another path, so nearly every pixel agrees; a wrong transform moves whole boxes.
    const posedVsBaked = differingFraction(posed, bakedPosed);
    const restVsBaked = differingFraction(rest, bakedRest);
    const posedVsRest = differingFraction(posed, bakedRest);
    console.log(
      `instances: differing pixels posed ${posedVsBaked}, rest ${restVsBaked}, posed vs rest ${posedVsRest}`,
    );
    expect(posedVsBaked).toBeLessThan(0.05);
    expect(restVsBaked).toBeLessThan(0.05);
    expect(posedVsRest).toBeGreaterThan(0.1);
  });

  it('gives bit-identical sums with instances however the samples are split into dispatches', async () => {
    const hash = load('cornell-instanced', () => instanced(0.125));
    const pose = { frame: 1, instanceTransforms: shifted(0.25) };
    const whole = await tracer.render(small(hash, { pose, sampleEnd: 6 }), { fixedSamplesPerDispatch: 6 });
    const ones = await tracer.render(small(hash, { pose, sampleEnd: 6 }), { fixedSamplesPerDispatch: 1 });
    expect(sameBits(ones.data, whole.data)).toBe(true);
  });

  it('compiles the two-level walk only into the kernels of instanced scenes, with the bits of the full kernel', async () => {
    expect(kernelFeatures(packScene(cornell())).instanced).toBe(false);
    expect(kernelFeatures(packScene(instanced(0.125))).instanced).toBe(true);
    const hash = load('cornell-instanced', () => instanced(0.125));
    const full = await PathTracer.create(device, { specialise: false });
    full.loadScene(hash, packScene(instanced(0.125)));
    const frame = small(hash, { pose: { frame: 2, instanceTransforms: shifted(0.3) }, sampleEnd: 4 });
    const specialised = await tracer.render(frame, { fixedSamplesPerDispatch: 4 });
    const everything = await full.render(frame, { fixedSamplesPerDispatch: 4 });
    expect(sameBits(specialised.data, everything.data)).toBe(true);
  }, 300_000);

  it('refuses a pose that does not fit the scene', async () => {
    const hash = load('cornell-instanced', () => instanced(0.125));
    await expect(
      render(small(hash, { pose: { frame: 0, instanceTransforms: [1, 0, 0] } })),
    ).rejects.toThrow();
    const still = load('cornell-baked-0', () => baked(0));
    await expect(
      render(small(still, { pose: { frame: 0, instanceTransforms: shifted(1) } })),
    ).rejects.toThrow();
  });
});
