/**
 * Evaluating a scene's animation (glTF node translation, rotation and scale, and the camera node) for one
 * frame: what the coordinator puts in a task as its FramePose (lib/protocol/frame-pose.ts). Contributors
 * and verifiers never call this: interpolation uses Math.acos, Math.sin and Math.cos, whose last bits may
 * differ between JavaScript engines, so the coordinator evaluates each frame once, rounds every number to
 * float32, and the task carries the result. Everything here is pure: the same scene and time always give
 * the same numbers on the same engine.
 *
 * How the job side uses it (glTF time = frame / fps):
 *
 *   const scene = parsePackedScene(bytes);                  // the stored scene file
 *   const duration = animationDuration(scene);              // seconds; 0 = nothing moves
 *   const pose: FramePose = { frame, ...framePoseAt(scene, frame / fps) };
 */
import type { CameraDescription } from '../protocol/scene-info';
import type { PackedScene } from './packed-scene';
import {
  ANIMATED_PATHS,
  IDENTITY_TRANSFORM,
  INTERPOLATIONS,
  type RigChannel,
  type RigNode,
  type SceneAnimation,
  type Transform3x4,
  type Vec3,
} from './scene-description';

/** Bounds on what an animation may hold, checked before any of it is evaluated. */
export const ANIMATION_LIMITS = {
  /** Rig nodes: the animated nodes, their ancestors and the instances' nodes. */
  maxNodes: 4096,
  maxChannels: 4096,
  /** Keyframes over all channels. */
  maxKeyframes: 200_000,
  /** Longest animation, seconds (a day of frames at 24 fps is far beyond any job). */
  maxDurationSeconds: 3600,
} as const;

const COMPONENTS: Record<RigChannel['path'], number> = { translation: 3, rotation: 4, scale: 3 };

/** What moves at one instant: what a FramePose carries besides its frame number. */
export interface Pose {
  /** The animated camera; absent when the scene's camera is still. */
  camera?: CameraDescription;
  /** Row-major 3x4 object-to-world matrices, 12 float32 values per instance of the scene, in order. */
  instanceTransforms: number[];
}

type SceneWithAnimation = Pick<PackedScene, 'instances' | 'animation'>;

/** Whether anything in the scene moves. */
export function isAnimated(scene: SceneWithAnimation): boolean {
  return scene.animation !== null && scene.animation.channels.length > 0;
}

/** The animation's length in seconds: the last keyframe time over all channels (0 when nothing moves). */
export function animationDuration(scene: { animation?: SceneAnimation | null }): number {
  let end = 0;
  for (const channel of scene.animation?.channels ?? []) {
    end = Math.max(end, channel.times[channel.times.length - 1] ?? 0);
  }
  return end;
}

/**
 * The pose at `timeSeconds` (clamped to the keyframes: before the first a channel holds its first value,
 * after the last its last, as glTF players do). Every number is a float32 value (and never -0), ready for
 * FramePose. A still scene gives its instances' rest transforms and no camera.
 */
export function framePoseAt(scene: SceneWithAnimation, timeSeconds: number): Pose {
  if (!Number.isFinite(timeSeconds)) throw new RangeError(`time ${timeSeconds} is not finite`);
  const animation = scene.animation;
  if (animation === null) {
    return { instanceTransforms: scene.instances.flatMap((instance) => f32(instance.transform)) };
  }
  const world = worldMatrices(animation, timeSeconds);
  const instanceTransforms = animation.instanceNodes.flatMap((node) =>
    node < 0 ? [...IDENTITY_TRANSFORM] : f32(world[node] as Transform3x4),
  );
  const camera = animation.camera;
  if (!camera) return { instanceTransforms };
  return { instanceTransforms, camera: cameraOf(world[camera.node] as Transform3x4, camera.yfov) };
}

/** The rest transforms of a rig's instances (no channel applied): the importer's packed transforms. */
export function restTransforms(animation: Pick<SceneAnimation, 'nodes' | 'instanceNodes'>): Transform3x4[] {
  const world = worldMatrices({ ...animation, channels: [] }, 0);
  return animation.instanceNodes.map((node) =>
    node < 0 ? ([...IDENTITY_TRANSFORM] as Transform3x4) : (f32(world[node] as Transform3x4) as Transform3x4),
  );
}

/** The camera a node's world matrix holds: it looks down its local -Z with +Y up (glTF 2.0, 3.10.1). */
export function cameraOf(m: Readonly<Transform3x4>, yfov: number): CameraDescription {
  const position: Vec3 = [m[3], m[7], m[11]];
  const forward = unit([-m[2], -m[6], -m[10]]) ?? [0, 0, -1];
  const up = unit([m[1], m[5], m[9]]) ?? [0, 1, 0];
  const target: Vec3 = [position[0] + forward[0], position[1] + forward[1], position[2] + forward[2]];
  return {
    position: f32(position) as Vec3,
    target: f32(target) as Vec3,
    up: f32(up) as Vec3,
    yfov: f32([yfov])[0] as number,
  };
}

/**
 * Why an animation cannot be used with a scene of `instanceCount` instances, or null. Checks every bound
 * (ANIMATION_LIMITS), that parents precede their children, that channel samplers are well formed (times
 * finite, strictly increasing; value counts matching), and every index.
 */
export function validateAnimation(animation: SceneAnimation, instanceCount: number): string | null {
  const { nodes, channels } = animation;
  const L = ANIMATION_LIMITS;
  if (nodes.length > L.maxNodes) return `The animation moves ${nodes.length} nodes, more than ${L.maxNodes}.`;
  if (channels.length > L.maxChannels) {
    return `The animation has ${channels.length} channels, more than ${L.maxChannels}.`;
  }
  for (const [i, node] of nodes.entries()) {
    if (!(Number.isInteger(node.parent) && node.parent >= -1 && node.parent < i)) {
      return `Animation node ${i} has parent ${node.parent}: parents must come before their children.`;
    }
    const values = [...node.translation, ...node.rotation, ...node.scale];
    if (values.length !== 10 || !values.every(Number.isFinite)) {
      return `Animation node ${i} has a rest transform that is not finite.`;
    }
  }
  let keyframes = 0;
  for (const [i, c] of channels.entries()) {
    if (!(Number.isInteger(c.node) && c.node >= 0 && c.node < nodes.length)) {
      return `Animation channel ${i} targets missing node ${c.node}.`;
    }
    if (!ANIMATED_PATHS.includes(c.path) || !INTERPOLATIONS.includes(c.interpolation)) {
      return `Animation channel ${i} has an unknown path or interpolation.`;
    }
    keyframes += c.times.length;
    if (keyframes > L.maxKeyframes) {
      return `The animation has more than ${L.maxKeyframes} keyframes. Bake it with fewer keys (Blender: Simplify F-Curves) and export again.`;
    }
    if (c.times.length < 1) return `Animation channel ${i} has no keyframes.`;
    for (let k = 0; k < c.times.length; k++) {
      const t = c.times[k] as number;
      if (!Number.isFinite(t) || t < 0 || t > L.maxDurationSeconds) {
        return `Animation channel ${i} has keyframe time ${t}: times must be finite, in [0, ${L.maxDurationSeconds}] s.`;
      }
      if (k > 0 && !(t > (c.times[k - 1] as number))) {
        return `Animation channel ${i}'s keyframe times are not strictly increasing (at key ${k}).`;
      }
    }
    const want = c.times.length * COMPONENTS[c.path] * (c.interpolation === 'CUBICSPLINE' ? 3 : 1);
    if (c.values.length !== want) {
      return `Animation channel ${i} holds ${c.values.length} values, not ${want}.`;
    }
    if (!c.values.every(Number.isFinite)) return `Animation channel ${i} has a value that is not finite.`;
  }
  if (animation.instanceNodes.length !== instanceCount) {
    return `The animation places ${animation.instanceNodes.length} instances, the scene has ${instanceCount}.`;
  }
  for (const [k, node] of animation.instanceNodes.entries()) {
    if (!(Number.isInteger(node) && node >= -1 && node < nodes.length) || (k === 0 && node !== -1)) {
      return `Instance ${k} hangs from animation node ${node}, which is not there (instance 0 is static).`;
    }
  }
  const camera = animation.camera;
  if (camera) {
    if (!(Number.isInteger(camera.node) && camera.node >= 0 && camera.node < nodes.length)) {
      return `The animated camera hangs from missing node ${camera.node}.`;
    }
    if (!(camera.yfov > 0 && camera.yfov < Math.PI)) return 'The animated camera has no valid field of view.';
  }
  return null;
}

/**
 * The axis-aligned box around a box carried by a transform (exact min and max of its corners in float64,
 * rounded outwards to float32).
 */
export function transformBox(
  min: Readonly<Vec3>,
  max: Readonly<Vec3>,
  m: Readonly<Transform3x4>,
): { min: Vec3; max: Vec3 } {
  const lo: Vec3 = [m[3], m[7], m[11]];
  const hi: Vec3 = [m[3], m[7], m[11]];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      const a = (m[r * 4 + c] as number) * (min[c] as number);
      const b = (m[r * 4 + c] as number) * (max[c] as number);
      lo[r] = (lo[r] as number) + Math.min(a, b);
      hi[r] = (hi[r] as number) + Math.max(a, b);
    }
  }
  return { min: lo.map(roundDown) as Vec3, max: hi.map(roundUp) as Vec3 };
}

/** The largest float32 value <= x. */
export function roundDown(x: number): number {
  const f = Math.fround(x);
  return f <= x ? f : nextFloat32(f, -1);
}

/** The smallest float32 value >= x. */
export function roundUp(x: number): number {
  const f = Math.fround(x);
  return f >= x ? f : nextFloat32(f, 1);
}

const bits = new Float32Array(1);
const bitsU = new Uint32Array(bits.buffer);
function nextFloat32(f: number, direction: 1 | -1): number {
  if (f === 0) return direction * 2 ** -149;
  bits[0] = f;
  bitsU[0] = (bitsU[0] as number) + (f > 0 === direction > 0 ? 1 : -1);
  return bits[0] as number;
}

// ---------------------------------------------------------------------------------------------------

/** Every rig node's world matrix at `time` (row-major 3x4, float64). */
function worldMatrices(animation: Pick<SceneAnimation, 'nodes' | 'channels'>, time: number): Transform3x4[] {
  const local = animation.nodes.map((node) => ({
    translation: [...node.translation] as number[],
    rotation: [...node.rotation] as number[],
    scale: [...node.scale] as number[],
  }));
  for (const channel of animation.channels) {
    const target = local[channel.node] as (typeof local)[number];
    target[channel.path] = sampleChannel(channel, time);
  }
  const world: Transform3x4[] = [];
  animation.nodes.forEach((node: RigNode, i) => {
    const l = local[i] as (typeof local)[number];
    const m = trsMatrix(l.translation, l.rotation, l.scale);
    world.push(node.parent < 0 ? m : multiply(world[node.parent] as Transform3x4, m));
  });
  return world;
}

/** A channel's value at `time` (glTF 2.0 Appendix C: STEP, LINEAR with slerp for rotations, CUBICSPLINE). */
export function sampleChannel(channel: RigChannel, time: number): number[] {
  const n = COMPONENTS[channel.path];
  const { times, values } = channel;
  const cubic = channel.interpolation === 'CUBICSPLINE';
  // The value of key k (a CUBICSPLINE key stores in-tangent, value, out-tangent).
  const value = (k: number) => values.slice((cubic ? 3 * k + 1 : k) * n, (cubic ? 3 * k + 2 : k + 1) * n);
  const last = times.length - 1;
  const normalised = (v: number[]) => (channel.path === 'rotation' ? normalizeQuat(v) : v);
  if (time <= (times[0] as number)) return normalised(value(0));
  if (time >= (times[last] as number)) return normalised(value(last));
  // The last key at or before `time`: binary search.
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) <= time) lo = mid;
    else hi = mid;
  }
  const t0 = times[lo] as number;
  const t1 = times[lo + 1] as number;
  const s = (time - t0) / (t1 - t0);
  if (channel.interpolation === 'STEP') return normalised(value(lo));
  if (channel.interpolation === 'LINEAR') {
    const a = value(lo);
    const b = value(lo + 1);
    if (channel.path === 'rotation') return slerp(a, b, s);
    return a.map((x, i) => x + s * ((b[i] as number) - x));
  }
  const dt = t1 - t0;
  const s2 = s * s;
  const s3 = s2 * s;
  const v0 = value(lo);
  const v1 = value(lo + 1);
  const out0 = values.slice((3 * lo + 2) * n, (3 * lo + 3) * n);
  const in1 = values.slice(3 * (lo + 1) * n, (3 * (lo + 1) + 1) * n);
  const result = v0.map(
    (p0, i) =>
      (2 * s3 - 3 * s2 + 1) * p0 +
      (s3 - 2 * s2 + s) * dt * (out0[i] as number) +
      (-2 * s3 + 3 * s2) * (v1[i] as number) +
      (s3 - s2) * dt * (in1[i] as number),
  );
  return normalised(result);
}

/** The glTF specification's slerp (Appendix C): the shorter arc, nlerp when the two are very close. */
function slerp(a: number[], bIn: number[], s: number): number[] {
  let b = bIn;
  let d = a.reduce((sum, x, i) => sum + x * (b[i] as number), 0);
  if (d < 0) {
    b = b.map((x) => -x);
    d = -d;
  }
  if (d > 0.9995) return normalizeQuat(a.map((x, i) => x + s * ((b[i] as number) - x)));
  const theta0 = Math.acos(d);
  const theta = s * theta0;
  const sinTheta = Math.sin(theta);
  const sinTheta0 = Math.sin(theta0);
  const wa = Math.cos(theta) - (d * sinTheta) / sinTheta0;
  const wb = sinTheta / sinTheta0;
  return a.map((x, i) => wa * x + wb * (b[i] as number));
}

function normalizeQuat(q: number[]): number[] {
  const l = Math.hypot(...q);
  return l > 0 ? q.map((x) => x / l) : [0, 0, 0, 1];
}

/** T x R x S as a row-major 3x4 matrix (glTF 2.0, 3.5.2). */
function trsMatrix(t: number[], q: number[], s: number[]): Transform3x4 {
  const [x, y, z, w] = q as [number, number, number, number];
  const [sx, sy, sz] = s as [number, number, number];
  return [
    (1 - 2 * (y * y + z * z)) * sx,
    2 * (x * y - z * w) * sy,
    2 * (x * z + y * w) * sz,
    t[0] as number,
    2 * (x * y + z * w) * sx,
    (1 - 2 * (x * x + z * z)) * sy,
    2 * (y * z - x * w) * sz,
    t[1] as number,
    2 * (x * z - y * w) * sx,
    2 * (y * z + x * w) * sy,
    (1 - 2 * (x * x + y * y)) * sz,
    t[2] as number,
  ];
}

/** a x b for row-major 3x4 affine matrices. */
export function multiply(a: Readonly<Transform3x4>, b: Readonly<Transform3x4>): Transform3x4 {
  const out = new Array<number>(12);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      let v = c === 3 ? (a[r * 4 + 3] as number) : 0;
      for (let k = 0; k < 3; k++) v += (a[r * 4 + k] as number) * (b[k * 4 + c] as number);
      out[r * 4 + c] = v;
    }
  }
  return out as Transform3x4;
}

/** Float32 values, with -0 made +0 (JSON writes -0 as 0, and the pose must survive a round trip). */
function f32(values: readonly number[]): number[] {
  return values.map((x) => Math.fround(x) + 0);
}

function unit(v: Vec3): Vec3 | null {
  const l = Math.hypot(v[0], v[1], v[2]);
  return l > 0 ? [v[0] / l, v[1] / l, v[2] / l] : null;
}
