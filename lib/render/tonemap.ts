import { CHANNEL, RESULT_CHANNELS } from '../protocol/result-layout';

/** Linear to sRGB transfer function (IEC 61966-2-1). */
function srgbEncode(linear: number): number {
  const c = linear <= 0.0031308 ? 12.92 * linear : 1.055 * linear ** (1 / 2.4) - 0.055;
  return Math.round(Math.min(1, Math.max(0, c)) * 255);
}

/** Reinhard on each channel: keeps the bright light from clipping harshly in a preview. */
function reinhard(x: number, exposure: number): number {
  const v = x * exposure;
  return v / (1 + v);
}

/**
 * Turns accumulated sums (RESULT_CHANNELS per pixel) into 8-bit sRGB RGBA for display. Pixels with no
 * samples yet are drawn in a neutral dark grey so the requestor can tell "not rendered" from "black".
 */
export function toneMapAccumulation(
  sums: ArrayLike<number>,
  pixelCount: number,
  exposure = 1.6,
): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(pixelCount * 4);
  for (let p = 0; p < pixelCount; p++) {
    const base = p * RESULT_CHANNELS;
    const count = sums[base + CHANNEL.count] as number;
    const o = p * 4;
    if (count > 0) {
      rgba[o] = srgbEncode(reinhard((sums[base + CHANNEL.r] as number) / count, exposure));
      rgba[o + 1] = srgbEncode(reinhard((sums[base + CHANNEL.g] as number) / count, exposure));
      rgba[o + 2] = srgbEncode(reinhard((sums[base + CHANNEL.b] as number) / count, exposure));
    } else {
      rgba[o] = rgba[o + 1] = rgba[o + 2] = 40;
    }
    rgba[o + 3] = 255;
  }
  return rgba;
}
