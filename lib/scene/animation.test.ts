import { describe, expect, it } from 'vitest';
import { animationDuration, framePoseAt, sampleChannel, validateAnimation } from './animation';
import type { RigChannel, SceneAnimation } from './scene-description';

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0];

function rig(channels: RigChannel[]): SceneAnimation {
  return {
    nodes: [{ parent: -1, translation: [0, 0, 0], rotation: [0, 0, 0, 1], scale: [1, 1, 1] }],
    channels,
    instanceNodes: [-1, 0],
  } as SceneAnimation;
}

const move = (interpolation: RigChannel['interpolation'], values: number[]): RigChannel => ({
  node: 0,
  path: 'translation',
  interpolation,
  times: [0, 1],
  values,
});

describe('sampleChannel', () => {
  it('LINEAR interpolates, STEP holds, both clamp outside the keys', () => {
    const linear = move('LINEAR', [0, 0, 0, 2, 4, 6]);
    expect(sampleChannel(linear, 0.5)).toEqual([1, 2, 3]);
    expect(sampleChannel(linear, -1)).toEqual([0, 0, 0]);
    expect(sampleChannel(linear, 9)).toEqual([2, 4, 6]);
    expect(sampleChannel(move('STEP', [0, 0, 0, 2, 4, 6]), 0.99)).toEqual([0, 0, 0]);
  });

  it('CUBICSPLINE with zero tangents eases (Hermite midpoint is the average)', () => {
    // in-tangent, value, out-tangent per key.
    const cubic = move('CUBICSPLINE', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0]);
    expect(sampleChannel(cubic, 0.5)[0]).toBeCloseTo(1, 12);
    // Smoothstep at 0.25: 3t^2 - 2t^3 = 0.15625, times 2.
    expect(sampleChannel(cubic, 0.25)[0]).toBeCloseTo(0.3125, 12);
  });

  it('LINEAR rotation slerps: a quarter turn halfway is an eighth turn', () => {
    const s = Math.SQRT1_2;
    const q = sampleChannel(
      { node: 0, path: 'rotation', interpolation: 'LINEAR', times: [0, 1], values: [0, 0, 0, 1, 0, s, 0, s] },
      0.5,
    );
    expect(q[1]).toBeCloseTo(Math.sin(Math.PI / 8), 6);
    expect(q[3]).toBeCloseTo(Math.cos(Math.PI / 8), 6);
  });
});

describe('framePoseAt', () => {
  it('moves the animated instance, keeps instance 0 at the identity, gives float32 values', () => {
    const scene = { instances: [], animation: rig([move('LINEAR', [0, 0, 0, 0.1, 0, 0])]) };
    expect(animationDuration(scene)).toBe(1);
    const pose = framePoseAt(scene, 0.5);
    expect(pose.instanceTransforms.slice(0, 12)).toEqual(IDENTITY);
    expect(pose.instanceTransforms[12 + 3]).toBe(Math.fround(0.05));
    expect(pose.camera).toBeUndefined();
    expect(() => framePoseAt(scene, Number.NaN)).toThrow(RangeError);
  });
});

describe('validateAnimation', () => {
  it('accepts a well-formed rig', () => {
    expect(validateAnimation(rig([move('LINEAR', [0, 0, 0, 1, 1, 1])]), 2)).toBeNull();
  });

  it('refuses times that do not increase, are not finite, or value counts that do not match', () => {
    const bad = (c: Partial<RigChannel>) =>
      validateAnimation(rig([{ ...move('LINEAR', [0, 0, 0, 1, 1, 1]), ...c }]), 2);
    expect(bad({ times: [1, 1] })).toMatch(/strictly increasing/);
    expect(bad({ times: [0, Number.POSITIVE_INFINITY] })).toMatch(/finite/);
    expect(bad({ values: [0, 0, 0] })).toMatch(/values/);
    expect(bad({ node: 5 })).toMatch(/missing node/);
  });

  it('refuses more keyframes than the bound before evaluating anything', () => {
    const n = 200_001;
    const times = Array.from({ length: n }, (_, i) => i * 0.01);
    const c: RigChannel = {
      node: 0,
      path: 'translation',
      interpolation: 'STEP',
      times,
      values: new Array(3 * n).fill(0),
    };
    expect(validateAnimation(rig([c]), 2)).toMatch(/keyframes/);
  });

  it('refuses an instance 0 that is not static and a wrong instance count', () => {
    expect(validateAnimation({ ...rig([]), instanceNodes: [0, 0] }, 2)).toMatch(/instance 0 is static/);
    expect(validateAnimation(rig([]), 3)).toMatch(/the scene has 3/);
  });
});
