/**
 * Texture decoding with every size bounded before and during the work: an uploaded image is hostile until
 * proven otherwise. The declared size (PNG IHDR, JPEG SOF) is read first and refused over the limits; then
 * the pixel data is inflated with an output bound of exactly what the declared size can hold, so an image
 * that declares 1x1 pixels and inflates to gigabytes stops after a few kilobytes of output instead of
 * allocating them.
 *
 * PNG: the chunks are walked and CRC-checked here; only IHDR, PLTE, tRNS and IDAT are kept (iCCP, zTXt,
 * iTXt and APNG frames are compressed too and never inflated). The IDAT stream is inflated with fflate in
 * small steps that stop as soon as the output passes the declared size, then the kept chunks are handed to
 * fast-png for unfiltering, whose own inflate is now bounded by the same check. JPEG: the first SOF is read
 * and bounded, and jpeg-js runs with its own resolution and memory guards just above that.
 *
 * Pure JavaScript throughout (no node: modules, no createImageBitmap): the coordinator's importer and every
 * contributor's worker (which decodes a packed scene's images at load, lib/scene/scene-file.ts) get the same
 * texels bit for bit, which the verifier's re-renders depend on.
 */
import { type DecodedPng, decode as decodePngChunks } from 'fast-png';
import { Unzlib } from 'fflate';
import jpeg from 'jpeg-js';

export interface ImageSize {
  width: number;
  height: number;
}

export interface PngHeader extends ImageSize {
  depth: number;
  colorType: number;
  interlace: number;
}

/** Why an image cannot be used; the caller names the texture. */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Bit depths allowed per colour type (PNG spec, table 11.1). */
const PNG_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function imageFormat(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** The IHDR of a PNG (the first chunk, 13 bytes), or null when it is missing or invalid. */
export function pngHeader(bytes: Uint8Array): PngHeader | null {
  if (bytes.length < 33) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== 13 || ascii(bytes, 12, 4) !== 'IHDR') return null;
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24] as number;
  const colorType = bytes[25] as number;
  const interlace = bytes[28] as number;
  if (width === 0 || height === 0) return null;
  if (!PNG_DEPTHS[colorType]?.includes(depth)) return null;
  if (bytes[26] !== 0 || bytes[27] !== 0 || interlace > 1) return null;
  return { width, height, depth, colorType, interlace };
}

/** JPEG: walks the marker segments to the first start-of-frame (SOF0..SOF15 except DHT, JPG, DAC). */
export function jpegSize(bytes: Uint8Array): ImageSize | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 2;
  while (offset + 9 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1] as number;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    const length = view.getUint16(offset + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = view.getUint16(offset + 5);
      const width = view.getUint16(offset + 7);
      return width > 0 && height > 0 ? { width, height } : null;
    }
    if (length < 2) return null;
    offset += 2 + length;
  }
  return null;
}

/**
 * Bytes the filtered scanlines of `h` take once inflated (PNG spec 7.2 and 8.2): one filter byte per row,
 * rows padded to whole bytes, and for Adam7 the seven reduced images one after the other.
 */
export function pngInflatedBytes(h: PngHeader): number {
  const bitsPerPixel = h.depth * (PNG_CHANNELS[h.colorType] as number);
  const rows = (width: number, height: number) =>
    width === 0 || height === 0 ? 0 : height * (1 + Math.ceil((width * bitsPerPixel) / 8));
  if (h.interlace === 0) return rows(h.width, h.height);
  // Adam7 passes: [x start, y start, x step, y step].
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ] as const;
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    total += rows(Math.ceil((h.width - x0) / dx), Math.ceil((h.height - y0) / dy));
  }
  return total;
}

/**
 * Decodes a PNG whose IHDR the caller has already checked against its limits. Throws ImageDecodeError when
 * the file is truncated, a chunk's CRC is wrong, or the image data inflates to more (a decompression bomb)
 * or fewer bytes than its declared size holds.
 */
export function decodePngBounded(bytes: Uint8Array): DecodedPng {
  const header = pngHeader(bytes);
  if (!header) throw new ImageDecodeError('its PNG header (IHDR) is missing or invalid');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let offset = 8;
  let ended = false;
  while (offset + 12 <= bytes.length) {
    const length = view.getUint32(offset);
    const end = offset + 12 + length;
    if (end > bytes.length) break;
    const type = ascii(bytes, offset + 4, 4);
    const stored = view.getUint32(offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== stored) {
      throw new ImageDecodeError(`the CRC of its ${type} chunk is wrong (the file is damaged)`);
    }
    if (type === 'IHDR' || type === 'PLTE' || type === 'tRNS') kept.push(bytes.subarray(offset, end));
    else if (type === 'IDAT') {
      idat.push(bytes.subarray(offset + 8, offset + 8 + length));
      idatBytes += length;
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    offset = end;
  }
  if (!ended) throw new ImageDecodeError('the PNG is truncated (no IEND chunk)');
  if (idatBytes === 0) throw new ImageDecodeError('the PNG holds no image data (IDAT)');

  const data = idat.length === 1 ? (idat[0] as Uint8Array) : concat(idat, idatBytes);
  const expected = pngInflatedBytes(header);
  const inflated = inflateBounded(data, expected, header.width, header.height);
  if (inflated < expected) {
    throw new ImageDecodeError(
      `its pixel data inflates to ${inflated} bytes, but ${header.width}x${header.height} pixels need ${expected} (truncated?)`,
    );
  }

  // The same bytes, minus every chunk this module does not inflate, in one IDAT: fast-png only unfilters.
  const idatChunk = new Uint8Array(12 + data.length);
  const idatView = new DataView(idatChunk.buffer);
  idatView.setUint32(0, data.length);
  idatChunk.set([0x49, 0x44, 0x41, 0x54], 4);
  idatChunk.set(data, 8);
  idatView.setUint32(8 + data.length, crc32(idatChunk.subarray(4, 8 + data.length)));
  const iend = new Uint8Array([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  const clean = concat([...kept, idatChunk, iend]);
  try {
    return decodePngChunks(clean);
  } catch (error) {
    throw new ImageDecodeError((error as Error).message);
  }
}

/** Decodes a JPEG whose SOF size the caller has checked; jpeg-js's own guards sit just above that size. */
export function decodeJpegBounded(bytes: Uint8Array, size: ImageSize): Uint8Array {
  const megapixels = (size.width * size.height) / 1e6;
  try {
    return jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: megapixels + 1,
      // RGBA output plus jpeg-js's component planes (up to 4 components at 4:4:4), with headroom.
      maxMemoryUsageInMB: Math.ceil((size.width * size.height * 12) / 2 ** 20) + 16,
    }).data;
  } catch (error) {
    throw new ImageDecodeError((error as Error).message);
  }
}

/** Input bytes inflated per step: at most about 1 MiB of output (deflate's ratio limit) before a check. */
const INFLATE_STEP = 1024;

/**
 * Inflates a zlib stream, counting its output without keeping it, and stops with an ImageDecodeError as
 * soon as it passes `limit` bytes (a decompression bomb). Returns the inflated length.
 */
function inflateBounded(data: Uint8Array, limit: number, width: number, height: number): number {
  let total = 0;
  const bomb = () =>
    new ImageDecodeError(
      `its pixel data inflates to more than the ${limit} bytes its declared ${width}x${height} pixels hold (a decompression bomb or a damaged file)`,
    );
  const inflater = new Unzlib((chunk) => {
    total += chunk.length;
  });
  try {
    for (let offset = 0; offset < data.length; offset += INFLATE_STEP) {
      inflater.push(data.subarray(offset, offset + INFLATE_STEP), offset + INFLATE_STEP >= data.length);
      if (total > limit) throw bomb();
    }
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error;
    throw new ImageDecodeError(`its pixel data does not inflate (${(error as Error).message})`);
  }
  return total;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG chunks use it (ISO 3309, the PNG spec's annex D). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++)
    c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Any PNG fast-png decodes (grey, grey+alpha, RGB, RGBA, palette; 1, 2, 4, 8 or 16 bits) -> RGBA8, keeping
 * the sRGB encoding. 16-bit samples round to the nearest 8-bit value; tRNS colour keys become alpha 0.
 */
export function pngToRgba8(png: DecodedPng): Uint8Array {
  const { width, height, depth, channels, data, palette, transparency } = png;
  const out = new Uint8Array(width * height * 4);
  const maxSample = (1 << depth) - 1;
  // Rows of sub-byte samples are padded to whole bytes (PNG spec 7.2).
  const rowBytes = Math.ceil((width * depth * channels) / 8);
  const raw = (x: number, y: number, c: number): number => {
    if (depth >= 8) return data[(y * width + x) * channels + c] as number;
    const bit = (x * channels + c) * depth;
    const byte = data[y * rowBytes + (bit >> 3)] as number;
    return (byte >> (8 - depth - (bit & 7))) & maxSample;
  };
  const to8 = (v: number) => (depth === 8 ? v : Math.round((v * 255) / maxSample));
  const key = transparency && transparency.length > 0 && !palette ? transparency : null;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (palette) {
        const entry = palette[raw(x, y, 0)];
        out[o] = entry?.[0] ?? 0;
        out[o + 1] = entry?.[1] ?? 0;
        out[o + 2] = entry?.[2] ?? 0;
        out[o + 3] = entry?.[3] ?? 255;
        continue;
      }
      if (channels <= 2) {
        const g = raw(x, y, 0);
        out[o] = out[o + 1] = out[o + 2] = to8(g);
        out[o + 3] = channels === 2 ? to8(raw(x, y, 1)) : key && g === key[0] ? 0 : 255;
      } else {
        const r = raw(x, y, 0);
        const g = raw(x, y, 1);
        const b = raw(x, y, 2);
        out[o] = to8(r);
        out[o + 1] = to8(g);
        out[o + 2] = to8(b);
        out[o + 3] =
          channels === 4 ? to8(raw(x, y, 3)) : key && r === key[0] && g === key[1] && b === key[2] ? 0 : 255;
      }
    }
  }
  return out;
}

/**
 * A PNG or JPEG file -> RGBA8 (sRGB kept), refusing a file whose own header disagrees with the size it was
 * declared to have (`expected`, checked against the limits by the caller) before anything is inflated.
 */
export function decodeImageRgba8(bytes: Uint8Array, expected: ImageSize): Uint8Array {
  const format = imageFormat(bytes);
  if (!format) throw new ImageDecodeError('it is neither a PNG nor a JPEG file');
  const size = format === 'png' ? pngHeader(bytes) : jpegSize(bytes);
  if (!size) throw new ImageDecodeError('its header is damaged');
  if (size.width !== expected.width || size.height !== expected.height) {
    throw new ImageDecodeError(
      `it is ${size.width}x${size.height} pixels, not the ${expected.width}x${expected.height} declared for it`,
    );
  }
  const rgba = format === 'png' ? pngToRgba8(decodePngBounded(bytes)) : decodeJpegBounded(bytes, size);
  if (rgba.length !== size.width * size.height * 4) {
    throw new ImageDecodeError('its decoded size disagrees with its header');
  }
  return rgba;
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function concat(parts: Uint8Array[], total = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
