/**
 * Texture decoding with every size bounded before and during the work: an uploaded image is hostile until
 * proven otherwise. The declared size (PNG IHDR, JPEG SOF) is read first and refused over the limits; then
 * the pixel data is inflated with an output bound of exactly what the declared size can hold, so an image
 * that declares 1x1 pixels and inflates to gigabytes stops after a few kilobytes of output instead of
 * allocating them.
 *
 * PNG: the chunks are walked and CRC-checked here; only IHDR, PLTE, tRNS and IDAT are kept (iCCP, zTXt,
 * iTXt and APNG frames are compressed too and never inflated). The IDAT stream is inflated through node:zlib
 * with `maxOutputLength`, then the kept chunks are handed to fast-png for unfiltering, whose own inflate is
 * now bounded by the same check. JPEG: the first SOF is read and bounded, and jpeg-js runs with its own
 * resolution and memory guards just above that.
 */
import { crc32, inflateSync } from 'node:zlib';
import { type DecodedPng, decode as decodePngChunks } from 'fast-png';
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
  let inflated: Buffer;
  try {
    inflated = inflateSync(data, { maxOutputLength: expected });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new ImageDecodeError(
        `its pixel data inflates to more than the ${expected} bytes its declared ${header.width}x${header.height} pixels hold (a decompression bomb or a damaged file)`,
      );
    }
    throw new ImageDecodeError(`its pixel data does not inflate (${(error as Error).message})`);
  }
  if (inflated.length !== expected) {
    throw new ImageDecodeError(
      `its pixel data inflates to ${inflated.length} bytes, but ${header.width}x${header.height} pixels need ${expected} (truncated?)`,
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
