import type { Lease } from '../protocol/api-types';
import type { RenderTask } from '../protocol/render-task';
import { concatResults, leaseTasks, RESULT_CHANNELS } from '../protocol/result-layout';

/**
 * A deterministic stand-in for the path tracer, for coordinator tests that need thousands of results fast:
 * like the real renderer, each sample's radiance is a pure function of (seed, pixel, sample index), noisy
 * from pixel to pixel and sample to sample, and a pixel list gives exactly the values of those pixels in a
 * tile render. The real renderer's own determinism is proven in lib/render/path-tracer.test.ts.
 */
export async function standInRender(task: RenderTask): Promise<Float32Array> {
  const indices = task.pixels ?? regionIndices(task);
  const seed = poseSeed(task);
  const out = new Float32Array(indices.length * RESULT_CHANNELS);
  indices.forEach((index, p) => {
    let r = 0;
    let g = 0;
    let b = 0;
    let lumSq = 0;
    for (let s = task.sampleStart; s < task.sampleEnd; s++) {
      const h = hash(seed, index, s);
      const v = 0.2 + (h % 1000) / 500;
      const sr = v;
      const sg = v * 0.8;
      const sb = v * 0.6;
      r += sr;
      g += sg;
      b += sb;
      const lum = 0.2126 * sr + 0.7152 * sg + 0.0722 * sb;
      lumSq += lum * lum;
    }
    out.set([r, g, b, lumSq, task.sampleEnd - task.sampleStart], p * RESULT_CHANNELS);
  });
  return out;
}

/**
 * The seed mixed with the task's pose, as a pure function of it: an animation's frames (each its own camera)
 * differ as the real renderer's would, and a check of frame f agrees only with a render of frame f's pose.
 * A still (no pose) keeps its seed.
 */
function poseSeed(task: RenderTask): number {
  if (!task.pose) return task.seed;
  const words = new Uint32Array(new Float32Array(Object.values(task.pose.camera ?? {}).flat()).buffer);
  let h = Math.imul(task.pose.frame + 1, 0x9e3779b1) >>> 0;
  for (const w of words) h = Math.imul(h ^ w, 0x85ebca77) >>> 0;
  return (task.seed ^ h) >>> 0;
}

function regionIndices(task: RenderTask): number[] {
  const { x, y, width, height } = task.region;
  const out: number[] = [];
  for (let j = 0; j < height; j++) for (let i = 0; i < width; i++) out.push((y + j) * task.width + x + i);
  return out;
}

function hash(seed: number, index: number, sample: number): number {
  let h = (seed ^ Math.imul(index, 0x9e3779b1) ^ Math.imul(sample + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A stand-in whose cost does not grow with samples, for farm benchmarks that simulate GPUs of any speed: each
 * pixel's sums over [sampleStart, sampleEnd) are a pure function of (seed, pixel, range), so a check of the
 * same pixels and range gives the same bits, as with the real renderer. (Its sums are not additive over
 * ranges: use standInRender where a test compares the image with a render of the whole job.)
 */
export function flatStandInRender(task: RenderTask): Float32Array<ArrayBuffer> {
  const indices = task.pixels ?? regionIndices(task);
  const samples = task.sampleEnd - task.sampleStart;
  const seed = poseSeed(task);
  const out = new Float32Array(indices.length * RESULT_CHANNELS);
  for (let p = 0; p < indices.length; p++) {
    const h = hash(seed ^ task.sampleStart, indices[p] as number, task.sampleEnd);
    const v = 0.2 + (h % 1000) / 500;
    const lum = 0.2126 * v + 0.7152 * v * 0.8 + 0.0722 * v * 0.6;
    out.set(
      [v * samples, v * 0.8 * samples, v * 0.6 * samples, lum * lum * samples, samples],
      p * RESULT_CHANNELS,
    );
  }
  return out;
}

/**
 * An honest result for a whole lease: its task's, then each batched check's (Lease.checks), in the order the
 * coordinator reads them.
 */
export async function renderLeaseHonestly(lease: Lease): Promise<Float32Array<ArrayBuffer>> {
  return concatResults(await Promise.all(leaseTasks(lease).map((task) => standInRender(task))));
}
