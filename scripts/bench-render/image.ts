/**
 * Linear RGB images for the benchmark's error measurements: RMSE against a reference, mean brightness, the
 * peer's pixel filter applied to a reference, and PNG output for a visual check.
 */
import { writeFileSync } from 'node:fs';
import { encode } from 'fast-png';
import { CHANNEL, RESULT_CHANNELS } from '../../lib/protocol/result-layout';
import { toneMapAccumulation } from '../../lib/render/tonemap';

/** Mean radiance per pixel, float RGB, row-major, top row first. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Float32Array;
}

/** Rec. 709 luminance, as the kernel uses. */
const luminance = (r: number, g: number, b: number) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

/**
 * Root-mean-square difference over every pixel and channel, leaving out the pixels where `skip` is set
 * (see emitter-mask.ts).
 */
export function rmse(image: RgbImage, reference: RgbImage, skip?: Uint8Array): number {
  if (image.width !== reference.width || image.height !== reference.height) {
    throw new Error(
      `image ${image.width}x${image.height} vs reference ${reference.width}x${reference.height}`,
    );
  }
  let sum = 0;
  let n = 0;
  for (let i = 0; i < image.rgb.length; i++) {
    if (skip?.[Math.floor(i / 3)]) continue;
    const d = (image.rgb[i] as number) - (reference.rgb[i] as number);
    sum += d * d;
    n++;
  }
  return Math.sqrt(sum / Math.max(1, n));
}

/** Mean of every pixel and channel: the scale relative RMSE is measured against. */
export function meanValue(image: RgbImage): number {
  let sum = 0;
  for (const v of image.rgb) sum += v;
  return sum / image.rgb.length;
}

/** Mean luminance, leaving out the pixels where `skip` is set (see emitter-mask.ts). */
export function meanLuminance(image: RgbImage, skip?: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let p = 0; p < image.width * image.height; p++) {
    if (skip?.[p]) continue;
    sum += luminance(
      image.rgb[p * 3] as number,
      image.rgb[p * 3 + 1] as number,
      image.rgb[p * 3 + 2] as number,
    );
    n++;
  }
  return sum / Math.max(1, n);
}

/**
 * The separable kernel that turns box-filtered pixels (ours: one uniform jitter inside the pixel) into
 * approximately what a tent filter of radius one pixel gives (three-gpu-pathtracer jitters camera rays with
 * Shirley's tent filter over ±1 px). A tent is a box convolved with a box; assuming the box-filtered image is
 * linear between pixel centres, one more box of width one pixel gives weights (1, 6, 1) / 8.
 */
export const TENT_KERNEL = [1 / 8, 6 / 8, 1 / 8] as const;

/**
 * How much TENT_KERNEL shrinks the variance of independent per-pixel noise: (sum of squared weights)² over
 * two dimensions. Needed to subtract a filtered reference's own noise from an error measured against it.
 */
export const TENT_NOISE_FACTOR = TENT_KERNEL.reduce((s, w) => s + w * w, 0) ** 2;

/** The image seen through TENT_KERNEL in x and y (edges clamp: the peer also samples past the border). */
export function tentFiltered(image: RgbImage): RgbImage {
  const { width, height } = image;
  const pass = (src: Float32Array, dx: number, dy: number): Float32Array => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let k = -1; k <= 1; k++) {
          const sx = Math.min(width - 1, Math.max(0, x + k * dx));
          const sy = Math.min(height - 1, Math.max(0, y + k * dy));
          const w = TENT_KERNEL[k + 1] as number;
          for (let c = 0; c < 3; c++) {
            const o = (y * width + x) * 3 + c;
            out[o] = (out[o] as number) + w * (src[(sy * width + sx) * 3 + c] as number);
          }
        }
      }
    }
    return out;
  };
  return { width, height, rgb: pass(pass(image.rgb, 1, 0), 0, 1) };
}

/**
 * Writes the image as an 8-bit sRGB PNG with the app's own preview tone mapping (Reinhard, exposure 1.6),
 * magnified `scale` times with nearest-neighbour so that small benchmark images are easy to inspect.
 */
export function writePng(path: string, image: RgbImage, scale = 1): void {
  const { width, height } = image;
  // toneMapAccumulation takes accumulator sums; a count of 1 makes the mean its own sum.
  const sums = new Float32Array(width * height * RESULT_CHANNELS);
  for (let p = 0; p < width * height; p++) {
    sums.set(image.rgb.subarray(p * 3, p * 3 + 3), p * RESULT_CHANNELS);
    sums[p * RESULT_CHANNELS + CHANNEL.count] = 1;
  }
  const rgba = toneMapAccumulation(sums, width * height);
  const big = new Uint8Array(width * scale * height * scale * 4);
  for (let y = 0; y < height * scale; y++) {
    for (let x = 0; x < width * scale; x++) {
      const from = (Math.floor(y / scale) * width + Math.floor(x / scale)) * 4;
      big.set(rgba.subarray(from, from + 4), (y * width * scale + x) * 4);
    }
  }
  writeFileSync(path, encode({ width: width * scale, height: height * scale, data: big, channels: 4 }));
}
