import { CHANNEL, RESULT_CHANNELS } from '../protocol/result-layout';

/**
 * Verification classifiers: each compares two renders of the same pixels and says whether they agree.
 * They share one interface so that new checks plug in beside the existing ones (the coordinator picks one per
 * comparison; see `classifierFor`).
 *
 * Inputs are RESULT_CHANNELS float32 per pixel (radiance sum r, g, b; sum of squared luminance; count), for
 * the same pixels in the same order.
 */
export interface Classifier {
  readonly name: string;
  compare(submitted: Float32Array, check: Float32Array): Verdict;
}

export interface Verdict {
  agree: boolean;
  /** Share of pixels that agreed, in [0, 1]: the figure the dashboard's verification report shows. */
  score: number;
  /** Pixels that disagreed, and the largest relative difference seen (for logs and tests). */
  disagreeing: number;
  worst: number;
}

const RGB = [CHANNEL.r, CHANNEL.g, CHANNEL.b] as const;
/**
 * Every summed channel is compared, the squared luminance too: a result whose radiance is right but whose
 * second moment is made up would otherwise pass, and mislead the independent-seed test that reads it.
 */
const SUMMED = [CHANNEL.r, CHANNEL.g, CHANNEL.b, CHANNEL.luminanceSq] as const;

function pixelCount(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length % RESULT_CHANNELS !== 0) {
    throw new Error(`cannot compare results of ${a.length} and ${b.length} floats`);
  }
  return a.length / RESULT_CHANNELS;
}

/**
 * Same seeds, same sample indices: per pixel, each radiance sum must match within `relative` of the larger
 * value (plus an absolute floor of `relative` x the mean of the checked pixels, so near-black pixels are not
 * judged on rounding noise), and the counts exactly. The check passes when at least `passShare` of the pixels
 * agree.
 *
 * On one adapter class the renderer is bit-for-bit reproducible (lib/render/path-tracer.test.ts proves it
 * for dispatch splits, sub-regions and pixel lists), so SAME_ADAPTER allows no disagreeing pixel at all:
 * a single faked pixel among those checked fails the check. Across adapter classes float rounding makes a few
 * paths branch differently: docs/design.md measured 99.75 % of pixels within 1 % and 0.012 % beyond 10 % between
 * two software GPUs; CROSS_ADAPTER leaves room for that.
 */
export function samePixelClassifier(options: {
  relative: number;
  passShare: number;
  name: string;
}): Classifier {
  return {
    name: options.name,
    compare(submitted, check) {
      const n = pixelCount(submitted, check);
      let mean = 0;
      for (let p = 0; p < n; p++) {
        for (const c of RGB) mean += (check[p * RESULT_CHANNELS + c] as number) / (3 * n);
      }
      const floor = options.relative * mean;
      let disagreeing = 0;
      let worst = 0;
      for (let p = 0; p < n; p++) {
        const base = p * RESULT_CHANNELS;
        let ok = submitted[base + CHANNEL.count] === check[base + CHANNEL.count];
        for (const c of SUMMED) {
          const a = submitted[base + c] as number;
          const b = check[base + c] as number;
          const diff = Math.abs(a - b);
          const scale = Math.max(Math.abs(a), Math.abs(b));
          if (scale > 0) worst = Math.max(worst, diff / scale);
          if (!(diff <= options.relative * scale + floor)) ok = false;
        }
        if (!ok) disagreeing++;
      }
      const score = n === 0 ? 1 : (n - disagreeing) / n;
      return { agree: score >= options.passShare, score, disagreeing, worst };
    },
  };
}

/** One adapter class (same vendor and architecture): bit-identical up to float32 noise, every pixel must agree. */
export const SAME_ADAPTER = samePixelClassifier({ name: 'same-seed exact', relative: 1e-5, passShare: 1 });

/** Different adapter classes: 2 % per channel, 99 % of pixels. Calibrated on software GPUs only (see above). */
export const CROSS_ADAPTER = samePixelClassifier({
  name: 'same-seed tolerant',
  relative: 0.02,
  passShare: 0.99,
});

export function classifierFor(submitterClass: string | null, checkerClass: string | null): Classifier {
  return submitterClass !== null && submitterClass === checkerClass ? SAME_ADAPTER : CROSS_ADAPTER;
}

/**
 * Independent seeds: two renders of the same pixels with different random streams cannot match bit for bit,
 * but their per-pixel means must agree within their noise. From each pixel's luminance sum S, squared sum Q and
 * count n: mean m = S/n, variance of the mean v = (Q/n - m^2) / (n - 1). z = (m1 - m2) / sqrt(v1 + v2) is
 * about standard normal for honest pairs (Student-t with few samples, hence a wider per-pixel limit below
 * 16 samples; below 4 there is no useful variance estimate, which is why such jobs render at least 4 samples
 * per unit). Fails on outliers (share of |z| > zLimit above outlierShare) and on
 * bias (the mean z over all pixels, times sqrt(pixels), beyond biasLimit): scaled or darkened output shifts
 * every pixel the same way, which no per-pixel test at low spp would see.
 */
export function secondMomentClassifier(
  options: { zLimit?: number; outlierShare?: number; biasLimit?: number } = {},
): Classifier {
  const zLimit = options.zLimit ?? 4;
  const outlierShare = options.outlierShare ?? 0.01;
  const biasLimit = options.biasLimit ?? 5;
  return {
    name: 'independent-seed second moments',
    compare(a, b) {
      const n = pixelCount(a, b);
      let outliers = 0;
      let zSum = 0;
      let worst = 0;
      for (let p = 0; p < n; p++) {
        const base = p * RESULT_CHANNELS;
        const stat = (r: Float32Array) => {
          const count = r[base + CHANNEL.count] as number;
          const lum =
            0.2126 * (r[base + CHANNEL.r] as number) +
            0.7152 * (r[base + CHANNEL.g] as number) +
            0.0722 * (r[base + CHANNEL.b] as number);
          const mean = count > 0 ? lum / count : 0;
          const q = count > 0 ? (r[base + CHANNEL.luminanceSq] as number) / count : 0;
          const variance = count > 1 ? Math.max(0, q - mean * mean) / (count - 1) : 0;
          return { mean, variance };
        };
        const s1 = stat(a);
        const s2 = stat(b);
        const spread = Math.sqrt(s1.variance + s2.variance);
        // Few samples estimate the variance poorly, so z has heavy (Student-t) tails: widen the limit.
        const n = Math.min(a[base + CHANNEL.count] as number, b[base + CHANNEL.count] as number);
        const limit = zLimit + 12 / Math.max(1, n - 1) ** 1.5;
        const diff = s1.mean - s2.mean;
        // Both noiseless (a flat emitter, the sky): they must agree to float rounding.
        const z = spread > 0 ? diff / spread : Math.abs(diff) <= 1e-5 * Math.max(s1.mean, s2.mean) ? 0 : 1e9;
        zSum += Math.max(-zLimit, Math.min(zLimit, z));
        if (Math.abs(z) > limit) outliers++;
        worst = Math.max(worst, Math.abs(z));
      }
      const bias = n > 0 ? (zSum / n) * Math.sqrt(n) : 0;
      const score = n === 0 ? 1 : (n - outliers) / n;
      return {
        agree: outliers <= outlierShare * n && Math.abs(bias) <= biasLimit,
        score,
        disagreeing: outliers,
        worst,
      };
    },
  };
}

/** Per-pixel mean luminance and the variance of that mean, from a result's sums. */
function meanImage(r: Float32Array): { mean: Float64Array; variance: Float64Array } {
  const n = r.length / RESULT_CHANNELS;
  const mean = new Float64Array(n);
  const variance = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const base = p * RESULT_CHANNELS;
    const count = r[base + CHANNEL.count] as number;
    const lum =
      0.2126 * (r[base + CHANNEL.r] as number) +
      0.7152 * (r[base + CHANNEL.g] as number) +
      0.0722 * (r[base + CHANNEL.b] as number);
    const m = count > 0 ? lum / count : 0;
    const q = count > 0 ? (r[base + CHANNEL.luminanceSq] as number) / count : 0;
    mean[p] = m;
    variance[p] = count > 1 ? Math.max(0, q - m * m) / (count - 1) : 0;
  }
  return { mean, variance };
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * Median squared Sobel gradient magnitude over the interior of a width x height image. The median, not the
 * sum: Monte Carlo noise is heavy-tailed, and a few fireflies would decide a sum.
 */
function edgeEnergy(img: Float64Array, width: number, height: number): number {
  const at = (x: number, y: number) => img[y * width + x] as number;
  const energies: number[] = [];
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const gx =
        at(x + 1, y - 1) +
        2 * at(x + 1, y) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x - 1, y) -
        at(x - 1, y + 1);
      const gy =
        at(x - 1, y + 1) +
        2 * at(x, y + 1) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x, y - 1) -
        at(x + 1, y - 1);
      energies.push(gx * gx + gy * gy);
    }
  }
  return median(energies);
}

/**
 * Image metrics on two renders of the same width x height region with independent seeds (replicas), in the
 * manner of Golem's verifier but normalised by the renders' own noise:
 * - the Haar low band (2x2 means) of the two mean images must differ by no more than their noise says
 *   (the median of squared difference / expected variance, normalised to about 1 for honest pairs, at most
 *   `chiFactor`): scaled, offset or fabricated output moves it far above;
 * - the median Sobel edge energy of the two mean images must match within `edgeRatio`: blurring or
 *   denoising a Monte Carlo image removes high-frequency energy that an honest render of the same spp has.
 */
export function imageMetricClassifier(
  region: { width: number; height: number },
  options: { chiFactor?: number; edgeRatio?: number } = {},
): Classifier {
  const chiFactor = options.chiFactor ?? 3;
  const edgeRatio = options.edgeRatio ?? 1.5;
  const { width, height } = region;
  return {
    name: 'image metrics (wavelet low band, edges)',
    compare(a, b) {
      const n = pixelCount(a, b);
      if (n !== width * height) throw new Error(`expected ${width}x${height} pixels, got ${n}`);
      const A = meanImage(a);
      const B = meanImage(b);
      const chis: number[] = [];
      for (let y = 0; y + 1 < height; y += 2) {
        for (let x = 0; x + 1 < width; x += 2) {
          const idx = [y * width + x, y * width + x + 1, (y + 1) * width + x, (y + 1) * width + x + 1];
          let la = 0;
          let lb = 0;
          let v = 0;
          for (const i of idx) {
            la += (A.mean[i] as number) / 4;
            lb += (B.mean[i] as number) / 4;
            v += ((A.variance[i] as number) + (B.variance[i] as number)) / 16;
          }
          const d = la - lb;
          const floor = 1e-6 * Math.max(Math.abs(la), Math.abs(lb), 1e-6) ** 2;
          chis.push((d * d) / (v + floor));
        }
      }
      // The median of a chi-square with one degree of freedom is 0.455; a robust statistic again, since
      // variances estimated from a few heavy-tailed samples are often far too small.
      const chi = median(chis) / 0.455;
      const chiLimit = chiFactor;
      const ea = edgeEnergy(A.mean, width, height);
      const eb = edgeEnergy(B.mean, width, height);
      const ratio = ea > 0 && eb > 0 ? Math.max(ea / eb, eb / ea) : ea === eb ? 1 : Number.POSITIVE_INFINITY;
      const agree = chi <= chiLimit && ratio <= edgeRatio;
      return { agree, score: agree ? 1 : 0, disagreeing: agree ? 0 : n, worst: Math.max(chi, ratio) };
    },
  };
}
