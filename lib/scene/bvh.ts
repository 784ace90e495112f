/**
 * Binned SAH bounding volume hierarchy over triangles, written straight into the `nodes` section layout of
 * packed-scene.ts (BVH_NODE_WORDS = 8 words, 32 bytes a node):
 *
 *   [0..2] f32 bounds min xyz   [3] u32 leftOrFirst
 *   [4..6] f32 bounds max xyz   [7] u32 triangleCount (0 = interior node)
 *
 * Node 0 is the root; an interior node's children are nodes leftOrFirst and leftOrFirst + 1; a leaf covers
 * triangles [leftOrFirst, leftOrFirst + triangleCount) of `triangleOrder`, which maps BVH order to the
 * caller's triangle index. packScene reorders the triangle sections by that permutation so that the kernel
 * reads a leaf's triangles contiguously.
 *
 * Bounds are taken from the float32 vertex values themselves (min and max are exact in float32), so every
 * node's stored box contains its triangles bit for bit: no epsilon padding is needed for correctness.
 */
import { BVH_NODE_WORDS } from './packed-scene';

/** Bins on the split axis; 16 is the usual sweet spot between tree quality and build time. */
const BIN_COUNT = 16;
/** A node with this many triangles or fewer is always a leaf. */
const MIN_SPLIT_TRIANGLES = 4;
/** SAH may keep up to this many triangles in one leaf when splitting costs more; beyond it we split anyway. */
const MAX_LEAF_TRIANGLES = 16;
/**
 * Relative cost of one node visit (two box tests) against one triangle test, in the SAH. Pure ratios: only
 * the comparison between splitting and stopping matters.
 */
const TRAVERSAL_COST = 1;
const INTERSECTION_COST = 1;
/**
 * Below this depth the builder trusts SAH; deeper than that (only adversarial inputs get there) it splits at
 * the object median, so the depth, and with it the kernel's traversal stack, stays below
 * MEDIAN_SPLIT_DEPTH + log2(triangles).
 */
const MEDIAN_SPLIT_DEPTH = 40;

export interface Bvh {
  /** nodeCount x BVH_NODE_WORDS words, layout above. */
  nodes: Uint32Array<ArrayBuffer>;
  nodeCount: number;
  /** BVH order -> original triangle index; a permutation of 0..triangleCount-1. */
  triangleOrder: Uint32Array<ArrayBuffer>;
}

/**
 * Builds the BVH for `positions` (9 floats per triangle: v0, v1, v2). Throws a RangeError when the array
 * length is not a multiple of 9 or a coordinate is not finite (a NaN would poison every box above it).
 * Zero triangles give a single empty leaf with zero bounds.
 */
export function buildBvh(positions: Float32Array): Bvh {
  if (positions.length % 9 !== 0) {
    throw new RangeError(
      `positions holds ${positions.length} floats, not a multiple of 9 (3 vertices x xyz)`,
    );
  }
  const triangleCount = positions.length / 9;
  // Per-triangle boxes (min xyz, max xyz) and centroids, indexed by BVH slot, not by triangle: partitioning
  // moves them together with `order`, so every pass over a node's range reads memory sequentially (large
  // builds are memory-bound: this measured about 20 % faster at 1M triangles than indirect reads).
  const boxes = new Float32Array(triangleCount * 6);
  const centroids = new Float32Array(triangleCount * 3);
  for (let t = 0; t < triangleCount; t++) {
    const p = t * 9;
    for (let a = 0; a < 3; a++) {
      const x0 = positions[p + a] as number;
      const x1 = positions[p + 3 + a] as number;
      const x2 = positions[p + 6 + a] as number;
      if (!Number.isFinite(x0) || !Number.isFinite(x1) || !Number.isFinite(x2)) {
        throw new RangeError(`triangle ${t} has a non-finite coordinate`);
      }
      const lo = Math.min(x0, x1, x2);
      const hi = Math.max(x0, x1, x2);
      boxes[t * 6 + a] = lo;
      boxes[t * 6 + 3 + a] = hi;
      // Centroid of the box rather than of the vertices: equally good for binning and cheaper.
      centroids[t * 3 + a] = (lo + hi) * 0.5;
    }
  }
  return buildOverBoxes(triangleCount, boxes, centroids);
}

/**
 * The same binned SAH tree over axis-aligned boxes (6 floats each: min xyz, max xyz) instead of triangles:
 * the top level of the two-level BVH, over instances' world boxes (lib/scene/instance-bvh.ts). Leaves then
 * cover entries of `triangleOrder` that are box indices. Throws a RangeError on a non-finite or inverted box.
 */
export function buildBoxBvh(boxes: Float32Array): Bvh {
  if (boxes.length % 6 !== 0) throw new RangeError(`boxes holds ${boxes.length} floats, not a multiple of 6`);
  const count = boxes.length / 6;
  const own = new Float32Array(boxes);
  const centroids = new Float32Array(count * 3);
  for (let b = 0; b < count; b++) {
    for (let a = 0; a < 3; a++) {
      const lo = own[b * 6 + a] as number;
      const hi = own[b * 6 + 3 + a] as number;
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo <= hi)) {
        throw new RangeError(`box ${b} is not finite and ordered`);
      }
      centroids[b * 3 + a] = (lo + hi) * 0.5;
    }
  }
  return buildOverBoxes(count, own, centroids);
}

/** The builder proper: `boxes` and `centroids` are per primitive, owned (they are permuted in place). */
function buildOverBoxes(triangleCount: number, boxes: Float32Array, centroids: Float32Array): Bvh {
  const order = new Uint32Array(triangleCount);
  for (let i = 0; i < triangleCount; i++) order[i] = i;

  // A binary tree whose leaves hold at least one triangle has at most 2n - 1 nodes; trimmed at the end.
  const capacity = Math.max(1, 2 * triangleCount - 1);
  const words = new Uint32Array(capacity * BVH_NODE_WORDS);
  const floats = new Float32Array(words.buffer);
  if (triangleCount === 0) {
    return { nodes: words, nodeCount: 1, triangleOrder: order };
  }

  // Per-bin triangle box and centroid box (6 + 6 floats) and count, reused by every split.
  const binCounts = new Uint32Array(BIN_COUNT);
  const binBoxes = new Float32Array(BIN_COUNT * 6);
  const binCentroids = new Float32Array(BIN_COUNT * 6);
  const rightArea = new Float64Array(BIN_COUNT);
  const rightCount = new Uint32Array(BIN_COUNT);
  /** Scratch for a child's bounds: box min/max, centroid min/max. */
  const scratch = new Float32Array(12);
  // Empty bounds templates: one set() resets them (most nodes are small, so per-node overhead counts).
  const emptyBins = new Float32Array(BIN_COUNT * 6);
  for (let b = 0; b < BIN_COUNT; b++)
    emptyBins.fill(Infinity, b * 6, b * 6 + 3).fill(-Infinity, b * 6 + 3, b * 6 + 6);

  // Work stack, NODE_ITEM numbers per entry: node, first, count, depth, centroid bounds (6).
  // The node's own box is written when the node is created.
  const NODE_ITEM = 10;
  const stack: number[] = [];
  rangeBounds(0, triangleCount, scratch);
  writeBox(0, scratch);
  pushNode(0, 0, triangleCount, 0, scratch);
  let nodeCount = 1;

  while (stack.length > 0) {
    const top = stack.length - NODE_ITEM;
    const node = stack[top] as number;
    const first = stack[top + 1] as number;
    const count = stack[top + 2] as number;
    const depth = stack[top + 3] as number;
    const cx0 = stack[top + 4] as number;
    const cy0 = stack[top + 5] as number;
    const cz0 = stack[top + 6] as number;
    const cx1 = stack[top + 7] as number;
    const cy1 = stack[top + 8] as number;
    const cz1 = stack[top + 9] as number;
    stack.length = top;
    const base = node * BVH_NODE_WORDS;

    if (count <= MIN_SPLIT_TRIANGLES) {
      makeLeaf(base, first, count);
      continue;
    }

    // Split axis: the centroid bounds' longest extent.
    const ex = cx1 - cx0;
    const ey = cy1 - cy0;
    const ez = cz1 - cz0;
    const axis = ex >= ey && ex >= ez ? 0 : ey >= ez ? 1 : 2;
    const lo = axis === 0 ? cx0 : axis === 1 ? cy0 : cz0;
    const extent = axis === 0 ? ex : axis === 1 ? ey : ez;

    let mid = -1;
    if (extent > 0 && depth < MEDIAN_SPLIT_DEPTH) {
      const scale = BIN_COUNT / extent;
      const split = sahSplit(first, count, axis, lo, scale);
      const parentArea = halfArea(
        floats[base] as number,
        floats[base + 1] as number,
        floats[base + 2] as number,
        floats[base + 4] as number,
        floats[base + 5] as number,
        floats[base + 6] as number,
      );
      const leafCost = INTERSECTION_COST * count;
      const splitCost =
        parentArea > 0 ? TRAVERSAL_COST + (INTERSECTION_COST * split.cost) / parentArea : TRAVERSAL_COST;
      if (split.bin > 0 && !(splitCost >= leafCost && count <= MAX_LEAF_TRIANGLES)) {
        mid = partition(first, count, axis, lo, scale, split.bin);
        const left = nodeCount;
        nodeCount += 2;
        words[base + 3] = left;
        words[base + 7] = 0;
        // Child bounds are unions of the bins on each side: no extra pass over the triangles.
        unionBins(split.bin, BIN_COUNT, scratch);
        writeBox(left + 1, scratch);
        pushNode(left + 1, mid, first + count - mid, depth + 1, scratch);
        unionBins(0, split.bin, scratch);
        writeBox(left, scratch);
        pushNode(left, first, mid - first, depth + 1, scratch);
        continue;
      }
      if (split.bin > 0 || count <= MAX_LEAF_TRIANGLES) {
        // SAH prefers a leaf here.
        makeLeaf(base, first, count);
        continue;
      }
    } else if (extent <= 0 && count <= MAX_LEAF_TRIANGLES) {
      // All centroids coincide: no split separates them, and the set is small enough for one leaf.
      makeLeaf(base, first, count);
      continue;
    }

    // Fallback, rare: every centroid in one point or one bin, or a suspiciously deep tree. Halve the range
    // at the object median so that the recursion always terminates with a bounded depth.
    if (extent > 0) sortRangeByCentroid(first, count, axis);
    mid = first + (count >> 1);
    const left = nodeCount;
    nodeCount += 2;
    words[base + 3] = left;
    words[base + 7] = 0;
    rangeBounds(mid, first + count - mid, scratch);
    writeBox(left + 1, scratch);
    pushNode(left + 1, mid, first + count - mid, depth + 1, scratch);
    rangeBounds(first, mid - first, scratch);
    writeBox(left, scratch);
    pushNode(left, first, mid - first, depth + 1, scratch);
  }

  return {
    nodes: words.slice(0, nodeCount * BVH_NODE_WORDS),
    nodeCount,
    triangleOrder: order,
  };

  function makeLeaf(base: number, first: number, count: number): void {
    words[base + 3] = first;
    words[base + 7] = count;
  }

  /** Pushes a node to build; the left child is pushed last so that it is built first (depth-first). */
  function pushNode(node: number, first: number, count: number, depth: number, b: Float32Array): void {
    stack.push(node, first, count, depth, b[6] as number, b[7] as number, b[8] as number);
    stack.push(b[9] as number, b[10] as number, b[11] as number);
  }

  function writeBox(node: number, b: Float32Array): void {
    const base = node * BVH_NODE_WORDS;
    floats[base] = b[0] as number;
    floats[base + 1] = b[1] as number;
    floats[base + 2] = b[2] as number;
    floats[base + 4] = b[3] as number;
    floats[base + 5] = b[4] as number;
    floats[base + 6] = b[5] as number;
  }

  /** Box and centroid bounds of slots [first, first + count) into `out` (box min, max, centroid min, max). */
  function rangeBounds(first: number, count: number, out: Float32Array): void {
    out.fill(Infinity, 0, 3).fill(-Infinity, 3, 6).fill(Infinity, 6, 9).fill(-Infinity, 9, 12);
    for (let i = first; i < first + count; i++) {
      for (let a = 0; a < 3; a++) {
        const lo = boxes[i * 6 + a] as number;
        const hi = boxes[i * 6 + 3 + a] as number;
        const c = centroids[i * 3 + a] as number;
        if (lo < (out[a] as number)) out[a] = lo;
        if (hi > (out[3 + a] as number)) out[3 + a] = hi;
        if (c < (out[6 + a] as number)) out[6 + a] = c;
        if (c > (out[9 + a] as number)) out[9 + a] = c;
      }
    }
  }

  /** Union of bins [from, to) into `out`, same layout as rangeBounds. */
  function unionBins(from: number, to: number, out: Float32Array): void {
    out.set(emptyBins.subarray(0, 6), 0);
    out.set(emptyBins.subarray(0, 6), 6);
    for (let b = from; b < to; b++) {
      if (binCounts[b] === 0) continue;
      for (let a = 0; a < 3; a++) {
        out[a] = Math.min(out[a] as number, binBoxes[b * 6 + a] as number);
        out[3 + a] = Math.max(out[3 + a] as number, binBoxes[b * 6 + 3 + a] as number);
        out[6 + a] = Math.min(out[6 + a] as number, binCentroids[b * 6 + a] as number);
        out[9 + a] = Math.max(out[9 + a] as number, binCentroids[b * 6 + 3 + a] as number);
      }
    }
  }

  /**
   * Bins the range's centroids on `axis` and sweeps the BIN_COUNT - 1 boundaries. Returns the boundary with
   * the lowest sum of area x count (the SAH numerator) as `bin` = number of bins on the left, or -1 when no
   * boundary separates anything.
   */
  function sahSplit(
    first: number,
    count: number,
    axis: number,
    lo: number,
    scale: number,
  ): { bin: number; cost: number } {
    binCounts.fill(0);
    binBoxes.set(emptyBins);
    binCentroids.set(emptyBins);
    for (let i = first; i < first + count; i++) {
      const bin = binOf(centroids[i * 3 + axis] as number, lo, scale);
      binCounts[bin] = (binCounts[bin] as number) + 1;
      const bb = bin * 6;
      for (let k = 0; k < 3; k++) {
        const bmin = boxes[i * 6 + k] as number;
        const bmax = boxes[i * 6 + 3 + k] as number;
        const c = centroids[i * 3 + k] as number;
        if (bmin < (binBoxes[bb + k] as number)) binBoxes[bb + k] = bmin;
        if (bmax > (binBoxes[bb + 3 + k] as number)) binBoxes[bb + 3 + k] = bmax;
        if (c < (binCentroids[bb + k] as number)) binCentroids[bb + k] = c;
        if (c > (binCentroids[bb + 3 + k] as number)) binCentroids[bb + 3 + k] = c;
      }
    }
    // Right-to-left sweep: area and count of bins [b, BIN_COUNT).
    let rx0 = Infinity,
      ry0 = Infinity,
      rz0 = Infinity,
      rx1 = -Infinity,
      ry1 = -Infinity,
      rz1 = -Infinity;
    let rc = 0;
    for (let b = BIN_COUNT - 1; b > 0; b--) {
      const bb = b * 6;
      rx0 = Math.min(rx0, binBoxes[bb] as number);
      ry0 = Math.min(ry0, binBoxes[bb + 1] as number);
      rz0 = Math.min(rz0, binBoxes[bb + 2] as number);
      rx1 = Math.max(rx1, binBoxes[bb + 3] as number);
      ry1 = Math.max(ry1, binBoxes[bb + 4] as number);
      rz1 = Math.max(rz1, binBoxes[bb + 5] as number);
      rc += binCounts[b] as number;
      rightCount[b] = rc;
      rightArea[b] = rc > 0 ? halfArea(rx0, ry0, rz0, rx1, ry1, rz1) : 0;
    }
    // Left-to-right sweep, evaluating the boundary after bin b - 1.
    let lx0 = Infinity,
      ly0 = Infinity,
      lz0 = Infinity,
      lx1 = -Infinity,
      ly1 = -Infinity,
      lz1 = -Infinity;
    let lc = 0;
    let best = { bin: -1, cost: Infinity };
    for (let b = 1; b < BIN_COUNT; b++) {
      const bb = (b - 1) * 6;
      lx0 = Math.min(lx0, binBoxes[bb] as number);
      ly0 = Math.min(ly0, binBoxes[bb + 1] as number);
      lz0 = Math.min(lz0, binBoxes[bb + 2] as number);
      lx1 = Math.max(lx1, binBoxes[bb + 3] as number);
      ly1 = Math.max(ly1, binBoxes[bb + 4] as number);
      lz1 = Math.max(lz1, binBoxes[bb + 5] as number);
      lc += binCounts[b - 1] as number;
      const rcount = rightCount[b] as number;
      if (lc === 0 || rcount === 0) continue;
      const cost = lc * halfArea(lx0, ly0, lz0, lx1, ly1, lz1) + rcount * (rightArea[b] as number);
      if (cost < best.cost) best = { bin: b, cost };
    }
    return best;
  }

  /**
   * Moves slots whose bin is < splitBin to the front of the range, carrying boxes and centroids along;
   * returns the first slot after them. Bins are recomputed with the same arithmetic as in sahSplit, so
   * the two always agree.
   */
  function partition(
    first: number,
    count: number,
    axis: number,
    lo: number,
    scale: number,
    splitBin: number,
  ) {
    let i = first;
    let j = first + count - 1;
    while (i <= j) {
      if (binOf(centroids[i * 3 + axis] as number, lo, scale) < splitBin) {
        i++;
      } else {
        swapSlots(i, j);
        j--;
      }
    }
    return i;
  }

  function swapSlots(i: number, j: number): void {
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
    for (let k = 0; k < 3; k++) {
      const c = centroids[i * 3 + k] as number;
      centroids[i * 3 + k] = centroids[j * 3 + k] as number;
      centroids[j * 3 + k] = c;
    }
    for (let k = 0; k < 6; k++) {
      const b = boxes[i * 6 + k] as number;
      boxes[i * 6 + k] = boxes[j * 6 + k] as number;
      boxes[j * 6 + k] = b;
    }
  }

  /** Sorts slots [first, first + count) by centroid on `axis` (ties by triangle index, for determinism). */
  function sortRangeByCentroid(first: number, count: number, axis: number): void {
    const slots = Array.from({ length: count }, (_, k) => first + k);
    slots.sort(
      (a, b) =>
        (centroids[a * 3 + axis] as number) - (centroids[b * 3 + axis] as number) ||
        (order[a] as number) - (order[b] as number),
    );
    const o = slots.map((s) => order[s] as number);
    const c = slots.flatMap((s) => Array.from(centroids.subarray(s * 3, s * 3 + 3)));
    const b = slots.flatMap((s) => Array.from(boxes.subarray(s * 6, s * 6 + 6)));
    order.set(o, first);
    centroids.set(c, first * 3);
    boxes.set(b, first * 6);
  }
}

/** Bin of a centroid; `| 0` truncates (= floor, the operand is never negative) and keeps it a small int. */
function binOf(centroid: number, lo: number, scale: number): number {
  const bin = ((centroid - lo) * scale) | 0;
  return bin < BIN_COUNT ? bin : BIN_COUNT - 1;
}

/** Half the surface area of a box: the SAH only compares areas, so the factor 2 is dropped. */
function halfArea(x0: number, y0: number, z0: number, x1: number, y1: number, z1: number): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const dz = z1 - z0;
  return dx * dy + dy * dz + dz * dx;
}

export interface BvhStats {
  nodeCount: number;
  leafCount: number;
  /** Root = depth 0; the kernel's traversal stack needs at most maxDepth entries. */
  maxDepth: number;
  maxLeafTriangles: number;
  /**
   * SAH cost of the tree relative to the root box (traversal cost 1 per interior visit, 1 per triangle
   * test): an expected work figure for comparing builders, not a time.
   */
  sahCost: number;
}

/** Walks a built tree and summarises it; for benchmarks and tests. */
export function bvhStats(bvh: Pick<Bvh, 'nodes' | 'nodeCount'>): BvhStats {
  const floats = new Float32Array(bvh.nodes.buffer, bvh.nodes.byteOffset, bvh.nodes.length);
  const area = (n: number) => {
    const b = n * BVH_NODE_WORDS;
    return halfArea(
      floats[b] as number,
      floats[b + 1] as number,
      floats[b + 2] as number,
      floats[b + 4] as number,
      floats[b + 5] as number,
      floats[b + 6] as number,
    );
  };
  const rootArea = area(0);
  let leafCount = 0;
  let maxDepth = 0;
  let maxLeafTriangles = 0;
  let cost = 0;
  const stack: number[] = [0, 0];
  while (stack.length > 0) {
    const depth = stack.pop() as number;
    const node = stack.pop() as number;
    const count = bvh.nodes[node * BVH_NODE_WORDS + 7] as number;
    const rel = rootArea > 0 ? area(node) / rootArea : 1;
    maxDepth = Math.max(maxDepth, depth);
    if (count > 0 || bvh.nodeCount === 1) {
      leafCount++;
      maxLeafTriangles = Math.max(maxLeafTriangles, count);
      cost += rel * INTERSECTION_COST * count;
    } else {
      cost += rel * TRAVERSAL_COST;
      const left = bvh.nodes[node * BVH_NODE_WORDS + 3] as number;
      stack.push(left, depth + 1, left + 1, depth + 1);
    }
  }
  return { nodeCount: bvh.nodeCount, leafCount, maxDepth, maxLeafTriangles, sahCost: cost };
}
