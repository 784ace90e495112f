import { describe, expect, it } from 'vitest';
import { decodeHdr, ENVIRONMENT_MAP_LIMITS, encodeHdr, HdrError, readHdrHeader } from './radiance-hdr';

const ascii = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: (Uint8Array | number[])[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const header = (w: number, h: number) => ascii(`#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y ${h} +X ${w}\n`);

function expectHdrError(f: () => unknown, status: 413 | 422, message: RegExp) {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(HdrError);
    expect((error as HdrError).status).toBe(status);
    expect((error as HdrError).message).toMatch(message);
    return;
  }
  throw new Error('expected an HdrError');
}

/** A gradient with a hot spot and a black stretch: runs and literals, exponents far apart. */
function testImage(width: number, height: number) {
  const rgb = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (x < width / 4) continue; // black run
      rgb[o] = (x + 1) / width;
      rgb[o + 1] = y < height / 2 ? 0.25 : 3.5;
      rgb[o + 2] = x === width - 1 && y === 0 ? 5000 : 0.01 * (y + 1);
    }
  }
  return { width, height, rgb };
}

describe('Radiance .hdr', () => {
  it('decodes a hand-written flat file exactly as RGBE says', () => {
    // Two pixels: (128, 64, 32, e=129) = (128, 64, 32) / 256 x 2^(129 - 128), and black.
    const bytes = concat(ascii('#?RGBE\n\n-Y 1 +X 2\n'), [128, 64, 32, 129, 0, 0, 0, 0]);
    const image = decodeHdr(bytes);
    expect([image.width, image.height]).toEqual([2, 1]);
    expect(Array.from(image.rgb)).toEqual([1, 0.5, 0.25, 0, 0, 0]);
  });

  it.each([true, false])('round-trips through its own encoder (rle %s) within RGBE precision', (rle) => {
    const image = testImage(64, 8);
    const bytes = encodeHdr(image, { rle });
    if (rle) expect(bytes.length).toBeLessThan(64 * 8 * 4); // the black run and flat channels compress
    const back = decodeHdr(bytes);
    expect([back.width, back.height]).toEqual([64, 8]);
    for (let i = 0; i < image.rgb.length; i += 3) {
      const max = Math.max(image.rgb[i] as number, image.rgb[i + 1] as number, image.rgb[i + 2] as number);
      for (let c = 0; c < 3; c++) {
        // 8-bit mantissas shared per pixel, truncated: error below 1/128 of the pixel's largest channel.
        expect(Math.abs((back.rgb[i + c] as number) - (image.rgb[i + c] as number))).toBeLessThanOrEqual(
          max / 128,
        );
      }
    }
  });

  it('decodes run-length scanlines written by hand (runs and literals)', () => {
    const w = 8;
    // Per channel: a run of 5, then 3 literals.
    const channel = (run: number, lits: number[]) => [128 + 5, run, 3, ...lits];
    const row = [
      2,
      2,
      0,
      w,
      ...channel(64, [1, 2, 3]),
      ...channel(128, [4, 5, 6]),
      ...channel(0, [7, 8, 9]),
      ...channel(130, [129, 129, 129]),
    ];
    const image = decodeHdr(concat(header(w, 1), row));
    const f = 2 ** (130 - 136);
    expect(image.rgb[0]).toBe(64 * f);
    expect(image.rgb[1]).toBe(128 * f);
    expect(image.rgb[2]).toBe(0);
    expect(image.rgb[7 * 3 + 1]).toBe(6 * 2 ** (129 - 136));
  });

  it('refuses a declared size beyond the limits from the header alone (413), before allocating', () => {
    // 100000 x 100000 pixels would be 120 GB as float RGB: refused in microseconds.
    const bomb = concat(
      ascii('#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 100000 +X 100000\n'),
      [2, 2, 0x86, 0xa0],
    );
    const began = performance.now();
    expectHdrError(() => decodeHdr(bomb), 413, /at most 4096 x 2048/);
    expect(performance.now() - began).toBeLessThan(50);
    expectHdrError(() => readHdrHeader(header(ENVIRONMENT_MAP_LIMITS.maxWidth + 1, 16)), 413, /Downscale/);
  });

  it('refuses a file whose bytes exceed the limit (413)', () => {
    const big = new Uint8Array(ENVIRONMENT_MAP_LIMITS.maxBytes + 1);
    big.set(header(8, 8));
    expectHdrError(() => readHdrHeader(big), 413, /MiB/);
  });

  it('refuses a small file declaring the largest allowed map before allocating its pixels (422)', () => {
    // 4096 x 2048 declared, 16 bytes given: a decompression bomb would need the RLE expansion; the floor on
    // bytes per scanline refuses it without allocating 100 MB.
    const liar = concat(header(4096, 2048), new Uint8Array(16));
    expectHdrError(() => decodeHdr(liar), 422, /too few bytes/);
  });

  it('refuses runs that overflow a scanline, truncated data and zero-length runs (422)', () => {
    const w = 8;
    const overflow = concat(header(w, 1), [2, 2, 0, w, 128 + 9, 1], new Uint8Array(64));
    expectHdrError(() => decodeHdr(overflow), 422, /run past its end/);
    const zero = concat(header(w, 1), [2, 2, 0, w, 0, 1], new Uint8Array(64));
    expectHdrError(() => decodeHdr(zero), 422, /bad run length/);
    const truncated = encodeHdr(testImage(64, 8)).slice(0, -20);
    expectHdrError(() => decodeHdr(truncated), 422, /truncated/);
  });

  it('refuses other formats, orientations and headers that never end (422)', () => {
    expectHdrError(() => decodeHdr(ascii('\x89PNG\r\n\x1a\n')), 422, /#\?RADIANCE/);
    expectHdrError(() => decodeHdr(ascii('#?RADIANCE\nFORMAT=32-bit_rle_xyze\n\n-Y 1 +X 1\n')), 422, /xyze/);
    expectHdrError(() => decodeHdr(ascii('#?RADIANCE\n\n+Y 1 +X 1\n1234')), 422, /orientation/);
    const endless = new Uint8Array(ENVIRONMENT_MAP_LIMITS.maxHeaderBytes + 10).fill(0x41);
    endless.set(ascii('#?RADIANCE\n'));
    expectHdrError(() => decodeHdr(endless), 422, /header does not end/);
  });
});
