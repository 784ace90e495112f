/**
 * Radiance .hdr (RGBE) files: the format HDR environment maps are shared in (Poly Haven, sIBL). Read here
 * rather than with three's HDRLoader because every byte arrives from an anonymous upload: the header is read
 * and the declared size checked against ENVIRONMENT_MAP_LIMITS before anything is allocated, every scanline
 * is bounds-checked as it is decoded, and a bad file gets an error that names what is wrong. It runs the same
 * in the coordinator (to check an upload), in a contributor's worker and in Node tests.
 *
 * Supported: the "32-bit_rle_rgbe" format with the standard orientation "-Y height +X width" (top row
 * first, left to right), scanlines either flat (4 bytes a pixel) or new-style run-length encoded (each
 * scanline starts 2, 2, width >> 8, width & 255; then each of the 4 channels as runs). Old-style RLE
 * (1, 1, 1, n repeat markers) and the XYZE format are refused with a message.
 */

import { ENVIRONMENT_MAP_LIMITS } from '../protocol/limits';

export { ENVIRONMENT_MAP_LIMITS };

/** A decoded map: linear RGB radiance, 3 float32 a pixel, row-major, top row (+y) first. */
export interface RadianceImage {
  width: number;
  height: number;
  rgb: Float32Array<ArrayBuffer>;
}

/** Why an .hdr file cannot be used: `status` 413 (too large) or 422 (not a readable .hdr). */
export class HdrError extends Error {
  constructor(
    message: string,
    readonly status: 413 | 422,
  ) {
    super(message);
    this.name = 'HdrError';
  }
}

const invalid = (message: string) => new HdrError(`Not a usable Radiance .hdr file: ${message}`, 422);

export interface HdrHeader {
  width: number;
  height: number;
  /** Byte offset of the first scanline. */
  dataOffset: number;
}

/**
 * Reads and checks the header, the declared size and that the file is long enough for it: cheap, whatever
 * the file claims, and before any pixel memory is allocated.
 */
export function readHdrHeader(bytes: Uint8Array): HdrHeader {
  const limits = ENVIRONMENT_MAP_LIMITS;
  if (bytes.length > limits.maxBytes) {
    throw new HdrError(
      `The .hdr file is ${(bytes.length / 2 ** 20).toFixed(1)} MiB; environment maps may be at most ${limits.maxBytes / 2 ** 20} MiB. Downscale it (e.g. to 2048 x 1024).`,
      413,
    );
  }
  let at = 0;
  const line = (): string => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0 || end > limits.maxHeaderBytes) throw invalid('the header does not end');
    const text = new TextDecoder('latin1').decode(bytes.subarray(at, end));
    at = end + 1;
    return text;
  };
  const magic = line();
  if (!magic.startsWith('#?RADIANCE') && !magic.startsWith('#?RGBE')) {
    throw invalid('it does not start with #?RADIANCE (is it an .exr or another format?)');
  }
  for (;;) {
    const text = line();
    if (text === '') break;
    const format = /^FORMAT=(.*)$/.exec(text)?.[1];
    if (format !== undefined && format.trim() !== '32-bit_rle_rgbe') {
      throw invalid(`its pixel format is ${format.trim()}; only 32-bit_rle_rgbe is supported`);
    }
  }
  const resolution = line();
  const match = /^-Y (\d{1,9}) \+X (\d{1,9})$/.exec(resolution.trim());
  if (!match) {
    throw invalid(
      `its resolution line is "${resolution.slice(0, 40)}"; only the standard orientation "-Y height +X width" is supported`,
    );
  }
  const height = Number(match[1]);
  const width = Number(match[2]);
  if (width < 1 || height < 1) throw invalid(`it declares a ${width} x ${height} image`);
  if (width > limits.maxWidth || height > limits.maxHeight) {
    throw new HdrError(
      `The map is ${width} x ${height}; environment maps may be at most ${limits.maxWidth} x ${limits.maxHeight}. Downscale it.`,
      413,
    );
  }
  // Even fully run-length encoded, a scanline takes at least 2 bytes per channel run of 127: a file far
  // too short for its declared size is refused before the pixel buffer is allocated.
  const minBytesPerRow = width >= 8 && width < 32768 ? 4 + 4 * 2 * Math.ceil(width / 127) : 4 * width;
  if (bytes.length - at < minBytesPerRow * height) {
    throw invalid(`it declares ${width} x ${height} pixels but holds too few bytes for them (truncated?)`);
  }
  return { width, height, dataOffset: at };
}

/** Decodes a Radiance .hdr file into linear RGB. Throws HdrError. */
export function decodeHdr(bytes: Uint8Array): RadianceImage {
  const { width, height } = readHdrHeader(bytes);
  const rgb = new Float32Array(width * height * 3);
  walkScanlines(bytes, (y, rgbe) => {
    for (let x = 0; x < width; x++) {
      const e = rgbe[x * 4 + 3] as number;
      const o = (y * width + x) * 3;
      if (e === 0) continue; // zero-initialised
      // mantissa / 256 x 2^(e - 128): Walter's rgbe.c, as stb_image, OpenImageIO and three.js decode (Ward's
      // own adds half a step; other renderers given the same file must see the same radiance).
      const f = 2 ** (e - 136);
      rgb[o] = (rgbe[x * 4] as number) * f;
      rgb[o + 1] = (rgbe[x * 4 + 1] as number) * f;
      rgb[o + 2] = (rgbe[x * 4 + 2] as number) * f;
    }
  });
  return { width, height, rgb };
}

/**
 * Checks that a file decodes completely, holding one scanline at a time (the coordinator checks uploads
 * this way: it never needs the pixels). Throws HdrError; returns the header.
 */
export function checkHdr(bytes: Uint8Array): HdrHeader {
  return walkScanlines(bytes, () => {});
}

/** Decodes every scanline in order into one reused RGBE row, handing each to `row`. */
function walkScanlines(bytes: Uint8Array, row: (y: number, rgbe: Uint8Array) => void): HdrHeader {
  const header = readHdrHeader(bytes);
  const { width, height, dataOffset } = header;
  const rgbe = new Uint8Array(width * 4);
  let at = dataOffset;
  for (let y = 0; y < height; y++) {
    const rle =
      width >= 8 &&
      width < 32768 &&
      bytes[at] === 2 &&
      bytes[at + 1] === 2 &&
      (((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number)) === width;
    if (rle) {
      at += 4;
      for (let c = 0; c < 4; c++) {
        let x = 0;
        while (x < width) {
          if (at >= bytes.length) throw invalid(`scanline ${y} is truncated`);
          let count = bytes[at++] as number;
          if (count > 128) {
            count -= 128;
            if (count > width - x) throw invalid(`scanline ${y} has a run past its end`);
            if (at >= bytes.length) throw invalid(`scanline ${y} is truncated`);
            const value = bytes[at++] as number;
            for (let i = 0; i < count; i++) rgbe[(x + i) * 4 + c] = value;
          } else {
            if (count === 0 || count > width - x) throw invalid(`scanline ${y} has a bad run length`);
            if (at + count > bytes.length) throw invalid(`scanline ${y} is truncated`);
            for (let i = 0; i < count; i++) rgbe[(x + i) * 4 + c] = bytes[at + i] as number;
            at += count;
          }
          x += count;
        }
      }
    } else {
      if (at + width * 4 > bytes.length) throw invalid(`scanline ${y} is truncated`);
      for (let x = 0; x < width; x++) {
        if (bytes[at + x * 4] === 1 && bytes[at + x * 4 + 1] === 1 && bytes[at + x * 4 + 2] === 1) {
          throw invalid('it uses old-style run-length encoding; re-save it with a current tool');
        }
      }
      rgbe.set(bytes.subarray(at, at + width * 4));
      at += width * 4;
    }
    row(y, rgbe);
  }
  return header;
}

/** Encodes linear RGB as a Radiance .hdr file (new-style RLE where the width allows): built-in maps, tests. */
export function encodeHdr(image: RadianceImage, options: { rle?: boolean } = {}): Uint8Array<ArrayBuffer> {
  const { width, height, rgb } = image;
  const header = new TextEncoder().encode(`#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y ${height} +X ${width}\n`);
  const rle = (options.rle ?? true) && width >= 8 && width < 32768;
  const out: number[] = [];
  const row = new Uint8Array(width * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const r = rgb[o] as number;
      const g = rgb[o + 1] as number;
      const b = rgb[o + 2] as number;
      const m = Math.max(r, g, b);
      if (!(m >= 1e-32)) {
        row.fill(0, x * 4, x * 4 + 4);
        continue;
      }
      // frexp: m = f 2^e with f in [0.5, 1), so every mantissa m 256 / 2^e lies below 256.
      const e = Math.floor(Math.log2(m)) + 1;
      const scale = 2 ** (8 - e);
      row[x * 4] = Math.min(255, Math.floor(r * scale));
      row[x * 4 + 1] = Math.min(255, Math.floor(g * scale));
      row[x * 4 + 2] = Math.min(255, Math.floor(b * scale));
      row[x * 4 + 3] = e + 128;
    }
    if (!rle) {
      for (const v of row) out.push(v);
      continue;
    }
    out.push(2, 2, width >> 8, width & 255);
    for (let c = 0; c < 4; c++) {
      let x = 0;
      while (x < width) {
        let run = 1;
        while (x + run < width && run < 127 && row[(x + run) * 4 + c] === row[x * 4 + c]) run++;
        if (run >= 3) {
          out.push(128 + run, row[x * 4 + c] as number);
          x += run;
          continue;
        }
        // A literal stretch up to the next run of 3 or more.
        let end = x;
        while (end < width && end - x < 128) {
          const v = row[end * 4 + c];
          if (end + 2 < width && row[(end + 1) * 4 + c] === v && row[(end + 2) * 4 + c] === v) break;
          end++;
        }
        if (end === x) end = x + 1;
        out.push(end - x);
        for (let i = x; i < end; i++) out.push(row[i * 4 + c] as number);
        x = end;
      }
    }
  }
  const bytes = new Uint8Array(header.length + out.length);
  bytes.set(header);
  bytes.set(out, header.length);
  return bytes;
}
