/**
 * How much light an emissive triangle gives, for the light sampler's CDF (packScene): the material's
 * emission times the average of its emissive texture over the triangle's UV footprint. A triangle that
 * covers only black texels is no light at all, so light samples go to the texels that glow; a textured
 * emitter would otherwise be sampled as if it glowed at full strength everywhere.
 *
 * The average is estimated from a stratified grid of points over the triangle, looked up with the kernel's
 * own filter, wrap and UV transform (materials.wgsl, sample_texture), finer for triangles that span more
 * texels. It only has to be positive where the emission is: the kernel weighs a light sample by the
 * emission at its point, and an emitter hit by a BSDF ray whose triangle the CDF left out gets full weight
 * (MIS with a zero light pdf), so the estimate steers noise, never the expected image.
 */
import type { TextureBinding, TextureDescription, Vec3 } from './scene-description';

const luminance = (r: number, g: number, b: number) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

/** The most grid steps along a triangle's side: up to 32 x 32 lookups a triangle. */
const MAX_STEPS = 32;

/** Average emitted luminance of triangle `t` (uvs: 6 floats a triangle, the binding's UV set). */
export function emissiveLuminance(
  emissive: Readonly<Vec3>,
  binding: TextureBinding,
  texture: TextureDescription,
  uvs: Float32Array,
  t: number,
): number {
  const uv = Array.from({ length: 6 }, (_, i) => uvs[t * 6 + i] as number);
  const [a, b, c, d, e, f] = binding.transform;
  const at = (w0: number, w1: number, w2: number): [number, number] => {
    const u = w0 * (uv[0] as number) + w1 * (uv[2] as number) + w2 * (uv[4] as number);
    const v = w0 * (uv[1] as number) + w1 * (uv[3] as number) + w2 * (uv[5] as number);
    return [a * u + b * v + c, d * u + e * v + f];
  };
  // Footprint in texels (after the transform), which sets how finely to sample.
  const p0 = at(1, 0, 0);
  const p1 = at(0, 1, 0);
  const p2 = at(0, 0, 1);
  const texels =
    Math.abs((p1[0] - p0[0]) * (p2[1] - p0[1]) - (p2[0] - p0[0]) * (p1[1] - p0[1])) *
    0.5 *
    texture.width *
    texture.height;
  const steps = Math.min(
    MAX_STEPS,
    Math.max(2, Math.ceil(Math.sqrt(2 * (Number.isFinite(texels) ? texels : 0)))),
  );
  // The triangle cut into steps^2 equal sub-triangles (upright and upside-down cells), one point at each
  // one's centroid: an equal-weight quadrature over the area.
  let sum = 0;
  let count = 0;
  for (let i = 0; i < steps; i++) {
    for (let j = 0; i + j < steps; j++) {
      const cells: [number, number][] = [[(i + 1 / 3) / steps, (j + 1 / 3) / steps]];
      if (i + j < steps - 1) cells.push([(i + 2 / 3) / steps, (j + 2 / 3) / steps]);
      for (const [w1, w2] of cells) {
        const rgb = sampleTextureRgb(texture, binding, at(1 - w1 - w2, w1, w2));
        sum += luminance(emissive[0] * rgb[0], emissive[1] * rgb[1], emissive[2] * rgb[2]);
        count++;
      }
    }
  }
  return Math.max(0, sum / count);
}

const srgbToLinear = (c: number) => {
  const x = c / 255;
  return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
};

/** Texel index along one axis under a glTF wrap mode (materials.wgsl, wrap_texel). */
export function wrapTexel(i: number, n: number, wrap: TextureBinding['wrapS']): number {
  if (wrap === 'clamp') return Math.min(n - 1, Math.max(0, i));
  if (wrap === 'mirror') {
    const period = 2 * n;
    const m = ((i % period) + period) % period;
    return m < n ? m : period - 1 - m;
  }
  return ((i % n) + n) % n;
}

/** Linear RGB of an sRGB texture at `uv` (already transformed), filtered as the kernel filters it. */
export function sampleTextureRgb(
  texture: TextureDescription,
  binding: Pick<TextureBinding, 'wrapS' | 'wrapT' | 'nearest'>,
  uv: [number, number],
): Vec3 {
  const { width, height, rgba } = texture;
  const texel = (x: number, y: number, c: number) =>
    srgbToLinear(
      rgba[
        (wrapTexel(y, height, binding.wrapT) * width + wrapTexel(x, width, binding.wrapS)) * 4 + c
      ] as number,
    );
  // Repeat keeps only the fractional part first, as the kernel does (precision for large UVs).
  const u = binding.wrapS === 'repeat' ? uv[0] - Math.floor(uv[0]) : uv[0];
  const v = binding.wrapT === 'repeat' ? uv[1] - Math.floor(uv[1]) : uv[1];
  const px = u * width;
  const py = v * height;
  if (binding.nearest) {
    const x = Math.floor(px);
    const y = Math.floor(py);
    return [texel(x, y, 0), texel(x, y, 1), texel(x, y, 2)];
  }
  const x0 = Math.floor(px - 0.5);
  const y0 = Math.floor(py - 0.5);
  const fx = px - 0.5 - x0;
  const fy = py - 0.5 - y0;
  const out: Vec3 = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const top = texel(x0, y0, c) * (1 - fx) + texel(x0 + 1, y0, c) * fx;
    const bottom = texel(x0, y0 + 1, c) * (1 - fx) + texel(x0 + 1, y0 + 1, c) * fx;
    out[c] = top * (1 - fy) + bottom * fy;
  }
  return out;
}
