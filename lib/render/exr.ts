import { CHANNEL, RESULT_CHANNELS } from '../protocol/result-layout';

/**
 * OpenEXR, the interchange format of film and VFX tools (Nuke, Blender, Photoshop, OpenImageIO): a
 * single-part scanline file of linear float32 R, G, B, uncompressed, one scanline per block, top row first.
 *
 * Written here rather than with three's EXRExporter because the exporter takes the whole image as an RGBA
 * DataTexture and returns one buffer (a 4096² image would hold ~0.8 GB per request), and because an EXR's
 * offset table precedes its blocks: compressed blocks would all have to be held to learn their sizes.
 * Uncompressed blocks have sizes known up front, so the file streams band by band with an exact
 * Content-Length, like the PFM, and decoders (three's EXRLoader in the tests) read it back bit for bit.
 */

/** EXR stores channels in alphabetical order of their names. */
const CHANNELS = [
  { name: 'B', channel: CHANNEL.b },
  { name: 'G', channel: CHANNEL.g },
  { name: 'R', channel: CHANNEL.r },
] as const;

const PIXEL_TYPE_FLOAT = 2;
const MAGIC = 20000630;
/** Version 2, single-part scanline file, no long names. */
const VERSION = 2;

/** Bytes of one scanline block: its y (int32), its data size (int32), then each channel's row of float32. */
function blockBytes(width: number): number {
  return 8 + width * CHANNELS.length * 4;
}

/** The whole file's size: header, offset table, blocks. */
export function exrByteLength(width: number, height: number): number {
  return exrHeaderLength() + height * 8 + height * blockBytes(width);
}

class ByteWriter {
  private readonly parts: number[] = [];

  bytes(values: ArrayLike<number>) {
    for (let i = 0; i < values.length; i++) this.parts.push(values[i] as number);
  }
  string(text: string) {
    for (const c of text) this.parts.push(c.charCodeAt(0));
    this.parts.push(0);
  }
  int32(value: number) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, value, true);
    this.bytes(b);
  }
  float32(value: number) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.bytes(b);
  }
  attribute(name: string, type: string, value: (w: ByteWriter) => void) {
    const inner = new ByteWriter();
    value(inner);
    const data = inner.result();
    this.string(name);
    this.string(type);
    this.int32(data.byteLength);
    this.bytes(data);
  }
  get length() {
    return this.parts.length;
  }
  result(): Uint8Array<ArrayBuffer> {
    return Uint8Array.from(this.parts);
  }
}

function headerAttributes(width: number, height: number): Uint8Array<ArrayBuffer> {
  const w = new ByteWriter();
  w.int32(MAGIC);
  w.int32(VERSION);
  w.attribute('channels', 'chlist', (c) => {
    for (const { name } of CHANNELS) {
      c.string(name);
      c.int32(PIXEL_TYPE_FLOAT);
      c.bytes([0, 0, 0, 0]); // pLinear, reserved
      c.int32(1); // x sampling
      c.int32(1); // y sampling
    }
    c.bytes([0]);
  });
  w.attribute('compression', 'compression', (c) => c.bytes([0])); // NO_COMPRESSION
  const box = (c: ByteWriter) => {
    c.int32(0);
    c.int32(0);
    c.int32(width - 1);
    c.int32(height - 1);
  };
  w.attribute('dataWindow', 'box2i', box);
  w.attribute('displayWindow', 'box2i', box);
  w.attribute('lineOrder', 'lineOrder', (c) => c.bytes([0])); // INCREASING_Y: top row first
  w.attribute('pixelAspectRatio', 'float', (c) => c.float32(1));
  w.attribute('screenWindowCenter', 'v2f', (c) => {
    c.float32(0);
    c.float32(0);
  });
  w.attribute('screenWindowWidth', 'float', (c) => c.float32(1));
  w.bytes([0]); // end of header
  return w.result();
}

function exrHeaderLength(): number {
  // The attributes' sizes do not depend on the image's size.
  return headerAttributes(1, 1).byteLength;
}

/** The header and the offset table (each scanline block's absolute position); the blocks follow. */
export function exrHeader(width: number, height: number): Uint8Array<ArrayBuffer> {
  const attributes = headerAttributes(width, height);
  const bytes = new Uint8Array(attributes.byteLength + height * 8);
  bytes.set(attributes);
  const view = new DataView(bytes.buffer);
  const first = attributes.byteLength + height * 8;
  for (let y = 0; y < height; y++) {
    view.setBigUint64(attributes.byteLength + y * 8, BigInt(first + y * blockBytes(width)), true);
  }
  return bytes;
}

/**
 * `rows` rows of sums (RESULT_CHANNELS per pixel, top to bottom), starting at image row `y0`, as scanline
 * blocks of mean B, G, R float32 (the same means as the PFM). A streamed file writes its bands top down.
 */
export function exrBlocks(
  sums: ArrayLike<number>,
  width: number,
  y0: number,
  rows: number,
): Uint8Array<ArrayBuffer> {
  const block = blockBytes(width);
  const bytes = new Uint8Array(block * rows);
  const view = new DataView(bytes.buffer);
  for (let row = 0; row < rows; row++) {
    let offset = row * block;
    view.setInt32(offset, y0 + row, true);
    view.setInt32(offset + 4, block - 8, true);
    offset += 8;
    for (const { channel } of CHANNELS) {
      for (let x = 0; x < width; x++) {
        const base = (row * width + x) * RESULT_CHANNELS;
        const count = sums[base + CHANNEL.count] as number;
        view.setFloat32(offset, count > 0 ? (sums[base + channel] as number) / count : 0, true);
        offset += 4;
      }
    }
  }
  return bytes;
}

/** A whole EXR from an image's sums: small images and tests. */
export function encodeExr(sums: ArrayLike<number>, width: number, height: number): Uint8Array<ArrayBuffer> {
  const header = exrHeader(width, height);
  const bytes = new Uint8Array(exrByteLength(width, height));
  bytes.set(header);
  bytes.set(exrBlocks(sums, width, 0, height), header.byteLength);
  return bytes;
}
