import { CHANNEL, RESULT_CHANNELS } from '../protocol/result-layout';

/**
 * Portable Float Map: linear float32 RGB, the simplest HDR format that image tools read (Photoshop via
 * plug-ins, GIMP, ImageMagick, OpenImageIO). Rows run bottom to top; a negative scale means little-endian.
 */
export function encodePfm(sums: ArrayLike<number>, width: number, height: number): Uint8Array<ArrayBuffer> {
  const header = pfmHeader(width, height);
  const bytes = new Uint8Array(header.length + width * height * 3 * 4);
  bytes.set(header);
  bytes.set(pfmRows(sums, width, height), header.length);
  return bytes;
}

/** The header of a little-endian colour PFM of this size; its rows follow (`pfmRows`). */
export function pfmHeader(width: number, height: number): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`PF\n${width} ${height}\n-1.0\n`);
}

/**
 * `rows` rows of sums (RESULT_CHANNELS per pixel, top to bottom) as PFM rows: mean RGB float32, bottom row
 * first. A file streamed band by band writes its bands bottom band first, each through this.
 */
export function pfmRows(sums: ArrayLike<number>, width: number, rows: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(width * rows * 3 * 4);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (let y = rows - 1; y >= 0; y--) {
    for (let x = 0; x < width; x++) {
      const base = (y * width + x) * RESULT_CHANNELS;
      const count = sums[base + CHANNEL.count] as number;
      for (const channel of [CHANNEL.r, CHANNEL.g, CHANNEL.b]) {
        view.setFloat32(offset, count > 0 ? (sums[base + channel] as number) / count : 0, true);
        offset += 4;
      }
    }
  }
  return bytes;
}

/** Reads a PFM written by `encodePfm` (or any little-endian colour PFM) into top-to-bottom RGB floats. */
export function decodePfm(bytes: Uint8Array): { width: number; height: number; rgb: Float32Array } {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 64));
  const match = /^PF\n(\d+) (\d+)\n(-?[\d.]+)\n/.exec(text);
  if (!match) throw new Error('not a colour PFM file');
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (Number(match[3]) >= 0) throw new Error('big-endian PFM is not supported');
  const view = new DataView(bytes.buffer, bytes.byteOffset + match[0].length);
  const rgb = new Float32Array(width * height * 3);
  let offset = 0;
  for (let y = height - 1; y >= 0; y--) {
    for (let i = y * width * 3; i < (y + 1) * width * 3; i++) {
      rgb[i] = view.getFloat32(offset, true);
      offset += 4;
    }
  }
  return { width, height, rgb };
}
