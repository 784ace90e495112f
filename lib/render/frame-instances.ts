/**
 * The top level of the two-level BVH for one frame: the `scene_frame` buffer the kernel reads
 * (shaders/scene-bindings.wgsl), built on the host from the scene's instances and the task's pose. Pure
 * JavaScript float arithmetic (+, -, *, /, min, max, each rounded to float32 where stored), which IEEE 754
 * fixes bit for bit on every engine: every contributor builds the same words for the same pose.
 *
 * Layout, in vec4f (4 words) units:
 *   [0, 2 n)                    top-level BVH nodes (BVH node layout, lib/scene/bvh.ts); a leaf covers
 *                               entries [first, first + count) of the instance order
 *   [orderBase, slotBase)       the instance order: 4 u32 instance indices per vec4f
 *   [slotBase, + 7 instances)   per instance, in instance order: world-to-object rows (3 vec4f),
 *                               object-to-world rows (3), then u root node, u first triangle,
 *                               u triangle count, f sign of the determinant (0: singular, hidden)
 *
 * A transform that cannot be inverted (a node scaled to zero, the usual way to make an object vanish in an
 * animation) hides its instance for the frame: it is left out of the top level (no ray meets it), its
 * world-to-object rows are zeros, and the kernel gives its emitters and punctual lights no light.
 */
import { roundDown, roundUp, transformBox } from '../scene/animation';
import { buildBoxBvh } from '../scene/bvh';
import { BVH_NODE_WORDS, type PackedInstance } from '../scene/packed-scene';
import type { Transform3x4, Vec3 } from '../scene/scene-description';

export const INSTANCE_SLOT_VEC4S = 7;

export interface FrameInstances {
  words: Uint32Array<ArrayBuffer>;
  instanceCount: number;
  orderBase: number;
  slotBase: number;
}

/** What the builder needs of a loaded scene: its instances and each one's root box in object space. */
export interface InstancedScene {
  instances: readonly PackedInstance[];
  /** Per instance: its BVH root's box (min xyz, max xyz), object space. */
  rootBoxes: readonly { min: Vec3; max: Vec3 }[];
}

/** The root boxes of a packed scene's instances (read from its `nodes` section). */
export function instanceRootBoxes(
  instances: readonly PackedInstance[],
  nodes: Uint32Array,
): { min: Vec3; max: Vec3 }[] {
  const floats = new Float32Array(nodes.buffer, nodes.byteOffset, nodes.length);
  return instances.map((instance) => {
    const b = instance.rootNode * BVH_NODE_WORDS;
    return {
      min: [floats[b] as number, floats[b + 1] as number, floats[b + 2] as number],
      max: [floats[b + 4] as number, floats[b + 5] as number, floats[b + 6] as number],
    };
  });
}

/**
 * Why a pose's instance transforms cannot be used with a scene of `instanceCount` instances (wrong length,
 * a value not finite), or null. A matrix that cannot be inverted is usable: it hides its instance.
 */
export function instanceTransformsProblem(
  transforms: readonly number[],
  instanceCount: number,
): string | null {
  if (!Array.isArray(transforms) || transforms.length !== instanceCount * 12) {
    return `The pose holds ${Array.isArray(transforms) ? transforms.length : 'no'} transform values; the scene has ${instanceCount} instances, 12 values each.`;
  }
  for (let k = 0; k < instanceCount; k++) {
    const m = transforms.slice(k * 12, k * 12 + 12).map(Math.fround);
    if (!m.every(Number.isFinite)) return `Instance ${k}'s transform has a value that is not finite.`;
  }
  return null;
}

/**
 * The frame buffer for `scene` with `transforms` (12 per instance, FramePose.instanceTransforms; absent =
 * the rest transforms). Throws an Error naming the problem when the transforms are unusable.
 */
export function buildFrameInstances(scene: InstancedScene, transforms?: readonly number[]): FrameInstances {
  const count = scene.instances.length;
  const all = transforms ?? scene.instances.flatMap((instance) => instance.transform);
  const problem = instanceTransformsProblem(all, count);
  if (problem !== null) throw new Error(problem);

  const matrices: Transform3x4[] = [];
  const inverses: (Transform3x4 | null)[] = [];
  for (let k = 0; k < count; k++) {
    const m = all.slice(k * 12, k * 12 + 12).map(Math.fround) as Transform3x4;
    matrices.push(m);
    inverses.push((invert(m)?.map(Math.fround) as Transform3x4 | undefined) ?? null);
  }

  // World boxes of the instances that hold triangles, padded: the kernel carries rays into object space in
  // float32 with the rounded inverse, so a hit found there may lie a few ulps outside the exact world box.
  const drawn = scene.instances.flatMap((instance, k) =>
    instance.triangleCount > 0 && inverses[k] !== null ? [k] : [],
  );
  const boxes = new Float32Array(drawn.length * 6);
  drawn.forEach((k, i) => {
    const root = scene.rootBoxes[k] as { min: Vec3; max: Vec3 };
    const box = transformBox(root.min, root.max, matrices[k] as Transform3x4);
    for (let a = 0; a < 3; a++) {
      const lo = box.min[a] as number;
      const hi = box.max[a] as number;
      const pad = (hi - lo) * 2 ** -16 + (Math.abs(lo) + Math.abs(hi)) * 2 ** -18 + 2 ** -60;
      boxes[i * 6 + a] = roundDown(lo - pad);
      boxes[i * 6 + 3 + a] = roundUp(hi + pad);
    }
  });
  if (drawn.length === 0) {
    throw new Error('Nothing is drawn in this frame: every instance with triangles is scaled to nothing.');
  }
  const tlas = buildBoxBvh(boxes);

  const orderBase = tlas.nodeCount * 2;
  const orderVec4s = Math.ceil(drawn.length / 4);
  const slotBase = orderBase + orderVec4s;
  const words = new Uint32Array((slotBase + INSTANCE_SLOT_VEC4S * count) * 4);
  const floats = new Float32Array(words.buffer);
  words.set(tlas.nodes.subarray(0, tlas.nodeCount * BVH_NODE_WORDS), 0);
  // The BVH's leaf entries index `drawn` through its triangleOrder: fold that permutation into the order.
  const order = tlas.triangleOrder;
  for (let i = 0; i < drawn.length; i++) words[orderBase * 4 + i] = drawn[order[i] as number] as number;

  scene.instances.forEach((instance, k) => {
    const o = (slotBase + INSTANCE_SLOT_VEC4S * k) * 4;
    const inverse = inverses[k] ?? null;
    if (inverse) floats.set(inverse, o);
    floats.set(matrices[k] as Transform3x4, o + 12);
    words[o + 24] = instance.rootNode;
    words[o + 25] = instance.firstTriangle;
    words[o + 26] = instance.triangleCount;
    floats[o + 27] = inverse === null ? 0 : determinant(matrices[k] as Transform3x4) < 0 ? -1 : 1;
  });
  return { words, instanceCount: count, orderBase, slotBase };
}

function determinant(m: Readonly<Transform3x4>): number {
  return (
    m[0] * (m[5] * m[10] - m[6] * m[9]) -
    m[1] * (m[4] * m[10] - m[6] * m[8]) +
    m[2] * (m[4] * m[9] - m[5] * m[8])
  );
}

/** The inverse of an affine 3x4 matrix (float64), or null when it is singular or not finite. */
export function invert(m: Readonly<Transform3x4>): Transform3x4 | null {
  const det = determinant(m);
  if (!(Math.abs(det) > 0) || !Number.isFinite(det)) return null;
  const r = 1 / det;
  const a00 = (m[5] * m[10] - m[6] * m[9]) * r;
  const a01 = (m[2] * m[9] - m[1] * m[10]) * r;
  const a02 = (m[1] * m[6] - m[2] * m[5]) * r;
  const a10 = (m[6] * m[8] - m[4] * m[10]) * r;
  const a11 = (m[0] * m[10] - m[2] * m[8]) * r;
  const a12 = (m[2] * m[4] - m[0] * m[6]) * r;
  const a20 = (m[4] * m[9] - m[5] * m[8]) * r;
  const a21 = (m[1] * m[8] - m[0] * m[9]) * r;
  const a22 = (m[0] * m[5] - m[1] * m[4]) * r;
  const tx = -(a00 * m[3] + a01 * m[7] + a02 * m[11]);
  const ty = -(a10 * m[3] + a11 * m[7] + a12 * m[11]);
  const tz = -(a20 * m[3] + a21 * m[7] + a22 * m[11]);
  const out: Transform3x4 = [a00, a01, a02, tx, a10, a11, a12, ty, a20, a21, a22, tz];
  if (!out.every((x) => Number.isFinite(x) && Number.isFinite(Math.fround(x)))) return null;
  return out;
}
