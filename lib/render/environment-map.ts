import type { RadianceImage } from '../scene/radiance-hdr';

/** Rec. 709 luminance, as LUMINANCE_WEIGHTS in shaders/common.wgsl. */
const LUMINANCE = [0.2126, 0.7152, 0.0722] as const;

/**
 * An equirectangular map prepared for the kernel (shaders/lights.wgsl, environment map section): the
 * piecewise-constant 2D distribution of PBRT's Distribution2D over the image, with texel (x, y) weighted by
 * luminance x sin(theta at the row's centre) so that directions, not texels, are drawn in proportion to the
 * light they bring.
 *
 * - `texels`: width x height x 4 float32 (rgba32float): linear radiance rgb, and in a the density of the
 *   distribution over the unit square at that texel, f(x, y) / mean(f): what the kernel divides by
 *   2π² sin(theta) to get a solid-angle pdf. Sampling and evaluation read the same texel, so they agree.
 * - `conditional`: (width + 1) x height float32 (r32float): per row, the CDF over its columns, 0 first and
 *   1 last. A row with no light (never chosen) gets a uniform CDF.
 * - `marginal`: (height + 1) float32 (r32float, one row): the CDF over rows of the row sums.
 *
 * Computed in float64 and rounded once, so every contributor's GPU gets the same float32 tables.
 */
export interface EnvironmentDistribution {
  width: number;
  height: number;
  texels: Float32Array<ArrayBuffer>;
  conditional: Float32Array<ArrayBuffer>;
  marginal: Float32Array<ArrayBuffer>;
  /** Σ f over texels / (width x height); 0 for a black map (the kernel then treats it as no light). */
  meanWeight: number;
}

export function environmentDistribution(image: RadianceImage): EnvironmentDistribution {
  const { width, height, rgb } = image;
  const weight = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const sinTheta = Math.sin((Math.PI * (y + 0.5)) / height);
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const lum =
        LUMINANCE[0] * (rgb[o] as number) +
        LUMINANCE[1] * (rgb[o + 1] as number) +
        LUMINANCE[2] * (rgb[o + 2] as number);
      weight[y * width + x] = Math.max(0, lum) * sinTheta;
    }
  }
  const conditional = new Float32Array((width + 1) * height);
  const rowSums = new Float64Array(height);
  for (let y = 0; y < height; y++) {
    let sum = 0;
    for (let x = 0; x < width; x++) sum += weight[y * width + x] as number;
    rowSums[y] = sum;
    let running = 0;
    const o = y * (width + 1);
    conditional[o] = 0;
    for (let x = 0; x < width; x++) {
      running += weight[y * width + x] as number;
      conditional[o + x + 1] = sum > 0 ? running / sum : (x + 1) / width;
    }
    conditional[o + width] = 1;
  }
  let total = 0;
  for (const s of rowSums) total += s;
  const marginal = new Float32Array(height + 1);
  let running = 0;
  for (let y = 0; y < height; y++) {
    running += rowSums[y] as number;
    marginal[y + 1] = total > 0 ? running / total : (y + 1) / height;
  }
  marginal[height] = 1;
  const meanWeight = total / (width * height);
  const texels = new Float32Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    texels[i * 4] = rgb[i * 3] as number;
    texels[i * 4 + 1] = rgb[i * 3 + 1] as number;
    texels[i * 4 + 2] = rgb[i * 3 + 2] as number;
    texels[i * 4 + 3] = meanWeight > 0 ? (weight[i] as number) / meanWeight : 0;
  }
  return { width, height, texels, conditional, marginal, meanWeight };
}

/**
 * The unit direction of image point (u, v) in [0, 1]² of an equirectangular map turned by `rotationDegrees`
 * about +y (the convention of Environment 'map' in lib/protocol/render-task.ts; environment_map_direction in
 * shaders/lights.wgsl).
 */
export function equirectDirection(u: number, v: number, rotationDegrees = 0): [number, number, number] {
  const phi = 2 * Math.PI * (u - rotationDegrees / 360 - 0.5);
  const theta = Math.PI * v;
  return [Math.sin(theta) * Math.cos(phi), Math.cos(theta), Math.sin(theta) * Math.sin(phi)];
}
