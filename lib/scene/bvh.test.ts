import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../testing/mulberry32';
import { type Bvh, buildBvh, bvhStats } from './bvh';
import { cornellBox } from './demo-scenes';
import { importGltf } from './import-gltf';
import { BVH_NODE_WORDS } from './packed-scene';

function randomSoup(count: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const out = new Float32Array(count * 9);
  for (let t = 0; t < count; t++) {
    // Small triangles scattered in a 10 m cube, plus a few long slivers that straddle many bins.
    const size = t % 50 === 0 ? 4 : 0.3;
    const c = [r() * 10 - 5, r() * 10 - 5, r() * 10 - 5];
    for (let k = 0; k < 9; k++) out[t * 9 + k] = (c[k % 3] as number) + (r() - 0.5) * size;
  }
  return out;
}

const f32 = (bvh: Bvh) => new Float32Array(bvh.nodes.buffer);
const nodeWord = (bvh: Bvh, node: number, word: number) => bvh.nodes[node * BVH_NODE_WORDS + word] as number;

/** Checks the structural invariants; returns how many leaves reference each BVH slot. */
function checkStructure(bvh: Bvh, positions: Float32Array): void {
  const triangleCount = positions.length / 9;
  const floats = f32(bvh);
  expect(bvh.nodes.length).toBe(bvh.nodeCount * BVH_NODE_WORDS);
  // triangleOrder is a permutation.
  expect([...bvh.triangleOrder].sort((a, b) => a - b)).toEqual(
    Array.from({ length: triangleCount }, (_, i) => i),
  );

  const slotUses = new Uint32Array(triangleCount);
  const nodeVisits = new Uint32Array(bvh.nodeCount);
  const stack = [0];
  const box = (n: number) => Array.from(floats.subarray(n * 8, n * 8 + 7)).filter((_, i) => i !== 3);
  while (stack.length > 0) {
    const node = stack.pop() as number;
    nodeVisits[node] = (nodeVisits[node] as number) + 1;
    const [x0, y0, z0, x1, y1, z1] = box(node) as [number, number, number, number, number, number];
    const count = nodeWord(bvh, node, 7);
    const leftOrFirst = nodeWord(bvh, node, 3);
    if (count > 0) {
      for (let i = leftOrFirst; i < leftOrFirst + count; i++) {
        slotUses[i] = (slotUses[i] as number) + 1;
        const t = bvh.triangleOrder[i] as number;
        for (let v = 0; v < 3; v++) {
          const p = positions.subarray(t * 9 + v * 3, t * 9 + v * 3 + 3);
          expect((p[0] as number) >= x0 && (p[0] as number) <= x1).toBe(true);
          expect((p[1] as number) >= y0 && (p[1] as number) <= y1).toBe(true);
          expect((p[2] as number) >= z0 && (p[2] as number) <= z1).toBe(true);
        }
      }
    } else {
      expect(leftOrFirst).toBeGreaterThan(node);
      expect(leftOrFirst + 1).toBeLessThan(bvh.nodeCount);
      for (const child of [leftOrFirst, leftOrFirst + 1]) {
        const [cx0, cy0, cz0, cx1, cy1, cz1] = box(child) as [number, number, number, number, number, number];
        expect(cx0 >= x0 && cy0 >= y0 && cz0 >= z0 && cx1 <= x1 && cy1 <= y1 && cz1 <= z1).toBe(true);
        stack.push(child);
      }
    }
  }
  // Every triangle in exactly one leaf, every node reachable exactly once.
  expect(slotUses.every((u) => u === 1)).toBe(true);
  expect(nodeVisits.every((v) => v === 1)).toBe(true);
}

type Ray = { o: [number, number, number]; d: [number, number, number] };

/** Möller-Trumbore, two-sided; t or Infinity. */
function intersectTriangle(positions: Float32Array, t: number, ray: Ray): number {
  const p = (k: number) => positions[t * 9 + k] as number;
  const e1 = [p(3) - p(0), p(4) - p(1), p(5) - p(2)] as const;
  const e2 = [p(6) - p(0), p(7) - p(1), p(8) - p(2)] as const;
  const { o, d } = ray;
  const h = [d[1] * e2[2] - d[2] * e2[1], d[2] * e2[0] - d[0] * e2[2], d[0] * e2[1] - d[1] * e2[0]];
  const a = e1[0] * (h[0] as number) + e1[1] * (h[1] as number) + e1[2] * (h[2] as number);
  if (Math.abs(a) < 1e-12) return Infinity;
  const f = 1 / a;
  const s = [o[0] - p(0), o[1] - p(1), o[2] - p(2)] as const;
  const u = f * (s[0] * (h[0] as number) + s[1] * (h[1] as number) + s[2] * (h[2] as number));
  if (u < 0 || u > 1) return Infinity;
  const q = [s[1] * e1[2] - s[2] * e1[1], s[2] * e1[0] - s[0] * e1[2], s[0] * e1[1] - s[1] * e1[0]];
  const v = f * (d[0] * (q[0] as number) + d[1] * (q[1] as number) + d[2] * (q[2] as number));
  if (v < 0 || u + v > 1) return Infinity;
  const dist = f * (e2[0] * (q[0] as number) + e2[1] * (q[1] as number) + e2[2] * (q[2] as number));
  return dist > 1e-9 ? dist : Infinity;
}

function bruteForce(positions: Float32Array, ray: Ray): { t: number; triangle: number } {
  let best = { t: Infinity, triangle: -1 };
  for (let i = 0; i < positions.length / 9; i++) {
    const t = intersectTriangle(positions, i, ray);
    if (t < best.t) best = { t, triangle: i };
  }
  return best;
}

/** The traversal the WGSL kernel will do: slab test per node, leaves test their triangle range. */
function traverse(
  bvh: Bvh,
  positions: Float32Array,
  ray: Ray,
): { t: number; triangle: number; visited: number } {
  const floats = f32(bvh);
  const inv = ray.d.map((x) => 1 / x) as [number, number, number];
  let best = { t: Infinity, triangle: -1 };
  let visited = 0;
  const stack = [0];
  while (stack.length > 0) {
    const node = stack.pop() as number;
    visited++;
    let tmin = 0;
    let tmax = best.t;
    for (let a = 0; a < 3; a++) {
      const o = ray.o[a] as number;
      const i = inv[a] as number;
      const t0 = ((floats[node * 8 + a] as number) - o) * i;
      const t1 = ((floats[node * 8 + 4 + a] as number) - o) * i;
      tmin = Math.max(tmin, Math.min(t0, t1));
      tmax = Math.min(tmax, Math.max(t0, t1));
    }
    if (tmin > tmax) continue;
    const count = nodeWord(bvh, node, 7);
    const leftOrFirst = nodeWord(bvh, node, 3);
    if (count > 0) {
      for (let i = leftOrFirst; i < leftOrFirst + count; i++) {
        const original = bvh.triangleOrder[i] as number;
        const t = intersectTriangle(positions, original, ray);
        if (t < best.t) best = { t, triangle: original };
      }
    } else {
      stack.push(leftOrFirst, leftOrFirst + 1);
    }
  }
  return { ...best, visited };
}

function randomRays(positions: Float32Array, count: number, seed: number): Ray[] {
  const r = mulberry32(seed);
  const triangles = positions.length / 9;
  const rays: Ray[] = [];
  for (let i = 0; i < count; i++) {
    const o: [number, number, number] = [r() * 30 - 15, r() * 30 - 15, r() * 30 - 15];
    let d: [number, number, number];
    if (i % 2 === 0) {
      // Aim at a random triangle's centroid so that half the rays surely hit something.
      const t = Math.floor(r() * triangles) * 9;
      const c = [0, 1, 2].map(
        (a) =>
          ((positions[t + a] as number) +
            (positions[t + 3 + a] as number) +
            (positions[t + 6 + a] as number)) /
          3,
      );
      d = [(c[0] as number) - o[0], (c[1] as number) - o[1], (c[2] as number) - o[2]];
    } else {
      d = [r() - 0.5, r() - 0.5, r() - 0.5];
    }
    const len = Math.hypot(...d);
    rays.push({ o, d: [d[0] / len, d[1] / len, d[2] / len] });
  }
  return rays;
}

/** `minHitFraction`: rays aimed at centroids hit unless the target has no area. */
function checkRays(positions: Float32Array, bvh: Bvh, rayCount: number, minHitFraction = 0.45): void {
  let hits = 0;
  for (const ray of randomRays(positions, rayCount, 7)) {
    const expected = bruteForce(positions, ray);
    const got = traverse(bvh, positions, ray);
    // Same intersection routine on the same data: the nearest distance must match exactly. The triangle
    // may differ only when a ray hits a shared edge, at an identical distance.
    expect(got.t).toBe(expected.t);
    if (Number.isFinite(expected.t)) hits++;
  }
  expect(hits).toBeGreaterThanOrEqual(rayCount * minHitFraction);
}

describe('buildBvh', () => {
  it('covers a random soup exactly once with nested bounds, and traversal equals brute force', () => {
    const positions = randomSoup(3000, 1);
    const bvh = buildBvh(positions);
    checkStructure(bvh, positions);
    checkRays(positions, bvh, 300);
    const stats = bvhStats(bvh);
    expect(stats.maxLeafTriangles).toBeLessThanOrEqual(16);
    expect(stats.maxDepth).toBeLessThan(40);
  });

  it('matches brute force on a real mesh (ShapeCollection.glb, 3,542 triangles)', async () => {
    const glb = new Uint8Array(
      readFileSync(new URL('../../e2e/fixtures/scenes/ShapeCollection.glb', import.meta.url)),
    );
    const { scene } = await importGltf({ files: new Map([['ShapeCollection.glb', glb]]) });
    const bvh = buildBvh(scene.positions);
    checkStructure(bvh, scene.positions);
    checkRays(scene.positions, bvh, 300);
  });

  it('matches brute force on the Cornell box (axis-aligned walls and tessellated spheres)', () => {
    const { positions } = cornellBox();
    const bvh = buildBvh(positions);
    checkStructure(bvh, positions);
    checkRays(positions, bvh, 200);
  });

  it('visits far fewer nodes than there are triangles', () => {
    const positions = randomSoup(20_000, 3);
    const bvh = buildBvh(positions);
    const rays = randomRays(positions, 50, 11);
    const mean = rays.reduce((sum, ray) => sum + traverse(bvh, positions, ray).visited, 0) / rays.length;
    expect(mean).toBeLessThan(1000);
  });

  it('terminates on identical triangles (all centroids equal) with a bounded depth', () => {
    const one = [0, 0, 0, 1, 0, 0, 0, 1, 0];
    const positions = new Float32Array(Array.from({ length: 1000 }, () => one).flat());
    const bvh = buildBvh(positions);
    checkStructure(bvh, positions);
    expect(bvhStats(bvh).maxDepth).toBeLessThanOrEqual(Math.ceil(Math.log2(1000)));
  });

  it('handles zero-area triangles (points and collinear slivers) mixed with ordinary ones', () => {
    const soup = Array.from(randomSoup(200, 5));
    const r = mulberry32(9);
    for (let i = 0; i < 200; i++) {
      const p = [r() * 4, r() * 4, r() * 4];
      soup.push(...p, ...p, ...p); // a point
      soup.push(
        ...p,
        p[0] as number,
        (p[1] as number) + 1,
        p[2] as number,
        p[0] as number,
        (p[1] as number) + 2,
        p[2] as number,
      );
    }
    const positions = new Float32Array(soup);
    const bvh = buildBvh(positions);
    checkStructure(bvh, positions);
    // Two thirds of the triangles have no area, so most aimed rays miss their target.
    checkRays(positions, bvh, 300, 0.02);
  });

  it('builds a single empty leaf for no triangles and a leaf for one', () => {
    const empty = buildBvh(new Float32Array(0));
    expect(empty.nodeCount).toBe(1);
    expect(Array.from(empty.nodes)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const single = buildBvh(new Float32Array([0, 0, 0, 1, 0, 0, 0, 2, 3]));
    expect(single.nodeCount).toBe(1);
    const box = f32(single);
    expect([box[0], box[1], box[2], box[4], box[5], box[6]]).toEqual([0, 0, 0, 1, 2, 3]);
    expect([single.nodes[3], single.nodes[7]]).toEqual([0, 1]); // leaf: first 0, 1 triangle
  });

  it('rejects non-finite coordinates and ragged arrays', () => {
    expect(() => buildBvh(new Float32Array([0, 0, 0, 1, 0, 0, 0, Number.NaN, 0]))).toThrow(/non-finite/);
    expect(() => buildBvh(new Float32Array(10))).toThrow(/multiple of 9/);
  });
});
