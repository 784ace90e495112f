/**
 * How far an image is from a reference, for the denoiser's figures (lib/render/denoise.test.ts,
 * `npm run bench:denoise`). Images are linear RGB means, 3 floats per pixel.
 */
import { CHANNEL, RESULT_CHANNELS } from '../protocol/result-layout';

const luminance = (r: number, g: number, b: number) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

/** Mean RGB per pixel of accumulated sums (RESULT_CHANNELS per pixel); 0 where a pixel has no samples. */
export function meansOfSums(sums: ArrayLike<number>, pixelCount: number): Float32Array<ArrayBuffer> {
  const rgb = new Float32Array(pixelCount * 3);
  for (let p = 0; p < pixelCount; p++) {
    const n = sums[p * RESULT_CHANNELS + CHANNEL.count] as number;
    if (!(n > 0)) continue;
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = (sums[p * RESULT_CHANNELS + c] as number) / n;
  }
  return rgb;
}

/** RGB of an image with 4 floats per pixel (the denoiser's output). */
export function rgbOfRgba(rgba: ArrayLike<number>, pixelCount: number): Float32Array<ArrayBuffer> {
  const rgb = new Float32Array(pixelCount * 3);
  for (let p = 0; p < pixelCount; p++) {
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = rgba[p * 4 + c] as number;
  }
  return rgb;
}

/** Root-mean-square difference over every pixel and channel. */
export function rmse(image: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (image.length !== reference.length) {
    throw new Error(`image has ${image.length} values, reference ${reference.length}`);
  }
  let sum = 0;
  for (let i = 0; i < image.length; i++) {
    const d = (image[i] as number) - (reference[i] as number);
    sum += d * d;
  }
  return Math.sqrt(sum / Math.max(1, image.length));
}

/** Mean Rec. 709 luminance over all pixels. */
export function meanLuminance(rgb: ArrayLike<number>): number {
  const pixels = rgb.length / 3;
  let sum = 0;
  for (let p = 0; p < pixels; p++) {
    sum += luminance(rgb[p * 3] as number, rgb[p * 3 + 1] as number, rgb[p * 3 + 2] as number);
  }
  return sum / Math.max(1, pixels);
}
