/**
 * Hostile uploads, built in memory for tests, fuzz suites and scripts/attack/upload-bomb.ts: PNG
 * decompression bombs (declared tiny, inflating to gigabytes in a few megabytes of file), lying or damaged
 * image headers, and a scene that instances one mesh across many nodes with large solid textures.
 */
import { constants, crc32, deflateRawSync, deflateSync } from 'node:zlib';

const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pngChunk(type: string, data: Uint8Array, crc?: number): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc ?? crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

export function ihdr(width: number, height: number, depth = 8, colorType = 6, interlace = 0): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([depth, colorType, 0, 0, interlace], 8);
  return pngChunk('IHDR', data);
}

export function concatBytes(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A PNG from its chunks (signature, then IHDR and the rest as given, then IEND). */
export function pngFromChunks(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return concatBytes([PNG_SIGNATURE, ...chunks, pngChunk('IEND', new Uint8Array(0))]);
}

/** The chunks of a PNG, in order, each as its whole bytes (length, type, data, CRC). */
export function pngChunks(png: Uint8Array): { type: string; bytes: Uint8Array }[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: { type: string; bytes: Uint8Array }[] = [];
  for (let offset = 8; offset + 12 <= png.length; ) {
    const end = offset + 12 + view.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    if (type !== 'IEND') chunks.push({ type, bytes: png.subarray(offset, end) });
    offset = end;
  }
  return chunks;
}

/** An honest RGBA8 PNG of one colour, `width` x `height` (compresses to almost nothing). */
export function solidPng(width: number, height: number, rgba: [number, number, number, number]) {
  const row = new Uint8Array(1 + width * 4);
  for (let x = 0; x < width; x++) row.set(rgba, 1 + x * 4);
  const raw = new Uint8Array(row.length * height);
  for (let y = 0; y < height; y++) raw.set(row, y * row.length);
  return pngFromChunks([ihdr(width, height), pngChunk('IDAT', deflateSync(raw, { level: 9 }))]);
}

/**
 * A zlib stream that inflates to `inflatedBytes` zeros (rounded up to MiB) without ever holding them: one
 * deflated MiB of zeros, flushed to a byte boundary, repeated. About 1 KiB of stream per MiB inflated.
 */
export function zlibBomb(inflatedBytes: number): Uint8Array<ArrayBuffer> {
  const block = deflateRawSync(new Uint8Array(1 << 20), { finishFlush: constants.Z_SYNC_FLUSH });
  const repeats = Math.ceil(inflatedBytes / (1 << 20));
  const out = new Uint8Array(2 + block.length * repeats + 2 + 4);
  out.set([0x78, 0xda], 0);
  for (let i = 0; i < repeats; i++) out.set(block, 2 + i * block.length);
  // A final empty fixed block, then an Adler-32 that nobody should live to check.
  out.set([0x03, 0x00, 0, 0, 0, 1], 2 + block.length * repeats);
  return out;
}

/** A PNG that declares `width` x `height` but whose IDAT inflates to `inflatedBytes`. */
export function pngBomb(inflatedBytes: number, width = 1, height = 1): Uint8Array<ArrayBuffer> {
  return pngFromChunks([ihdr(width, height), pngChunk('IDAT', zlibBomb(inflatedBytes))]);
}

/** A PNG with a compressed colour profile (iCCP) that inflates to `inflatedBytes`; its pixels are fine. */
export function pngWithIccpBomb(inflatedBytes: number): Uint8Array<ArrayBuffer> {
  const name = new TextEncoder().encode('icc\0');
  const iccp = concatBytes([name, new Uint8Array([0]), zlibBomb(inflatedBytes)]);
  const pixel = deflateSync(new Uint8Array([0, 255, 0, 0, 255]));
  return pngFromChunks([ihdr(1, 1), pngChunk('iCCP', iccp), pngChunk('IDAT', pixel)]);
}

/** The smallest baseline JPEG header that declares `width` x `height` in its SOF0 (no scan data). */
export function jpegWithSof(width: number, height: number): Uint8Array<ArrayBuffer> {
  const soi = [0xff, 0xd8];
  // SOF0: length 17, 8-bit samples, height, width, three components (id, sampling, table).
  const sof = [0xff, 0xc0, 0, 17, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3];
  const components = [1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  const eoi = [0xff, 0xd9];
  return new Uint8Array([...soi, ...sof, ...components, ...eoi]);
}

/** A minimal GLB: `json` plus one binary chunk. */
export function glb(json: object, bin: Uint8Array): Uint8Array<ArrayBuffer> {
  const pad = (n: number) => Math.ceil(n / 4) * 4;
  const jsonBytes = new TextEncoder().encode(JSON.stringify(json));
  const jsonLength = pad(jsonBytes.length);
  const binLength = pad(bin.length);
  const out = new Uint8Array(12 + 8 + jsonLength + 8 + binLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x46546c67, true);
  view.setUint32(4, 2, true);
  view.setUint32(8, out.length, true);
  view.setUint32(12, jsonLength, true);
  view.setUint32(16, 0x4e4f534a, true);
  out.set(jsonBytes, 20);
  out.fill(0x20, 20 + jsonBytes.length, 20 + jsonLength);
  view.setUint32(20 + jsonLength, binLength, true);
  view.setUint32(24 + jsonLength, 0x004e4942, true);
  out.set(bin, 28 + jsonLength);
  return out;
}

/**
 * A textured quad (two triangles) in a GLB whose base-colour image is `image` (PNG or JPEG bytes), or, with
 * `instances`, one grid mesh of `gridTriangles` triangles drawn by that many nodes, each with its own
 * solid `textureSize`² texture so the stored texels grow with it.
 */
export function texturedGlb(
  image: Uint8Array,
  options: { mimeType?: string; instances?: number; gridTriangles?: number; textures?: Uint8Array[] } = {},
): Uint8Array<ArrayBuffer> {
  const side = Math.max(1, Math.round(Math.sqrt((options.gridTriangles ?? 2) / 2)));
  const vertices = (side + 1) * (side + 1);
  const positions = new Float32Array(vertices * 3);
  const uvs = new Float32Array(vertices * 2);
  for (let j = 0; j <= side; j++) {
    for (let i = 0; i <= side; i++) {
      const v = j * (side + 1) + i;
      positions.set([i / side, j / side, 0], v * 3);
      uvs.set([i / side, j / side], v * 2);
    }
  }
  const indices = new Uint32Array(side * side * 6);
  for (let j = 0; j < side; j++) {
    for (let i = 0; i < side; i++) {
      const a = j * (side + 1) + i;
      indices.set([a, a + 1, a + side + 2, a, a + side + 2, a + side + 1], (j * side + i) * 6);
    }
  }
  const images = [image, ...(options.textures ?? [])];
  const parts: Uint8Array[] = [
    new Uint8Array(positions.buffer),
    new Uint8Array(uvs.buffer),
    new Uint8Array(indices.buffer),
    ...images,
  ];
  const views: { buffer: 0; byteOffset: number; byteLength: number }[] = [];
  let offset = 0;
  for (const part of parts) {
    views.push({ buffer: 0, byteOffset: offset, byteLength: part.length });
    offset = Math.ceil((offset + part.length) / 4) * 4;
  }
  const bin = new Uint8Array(offset);
  parts.forEach((part, i) => {
    bin.set(part, views[i]?.byteOffset ?? 0);
  });
  const instances = options.instances ?? 1;
  const mimeType = options.mimeType ?? 'image/png';
  const json = {
    asset: { version: '2.0' },
    scene: 0,
    scenes: [{ nodes: Array.from({ length: instances }, (_, i) => i) }],
    nodes: Array.from({ length: instances }, (_, i) => ({ mesh: i % images.length, translation: [i, 0, 0] })),
    meshes: images.map((_, i) => ({
      primitives: [{ attributes: { POSITION: 0, TEXCOORD_0: 1 }, indices: 2, material: i }],
    })),
    materials: images.map((_, i) => ({ pbrMetallicRoughness: { baseColorTexture: { index: i } } })),
    textures: images.map((_, i) => ({ source: i })),
    images: images.map((_, i) => ({ bufferView: 3 + i, mimeType })),
    accessors: [
      { bufferView: 0, componentType: 5126, count: vertices, type: 'VEC3', min: [0, 0, 0], max: [1, 1, 0] },
      { bufferView: 1, componentType: 5126, count: vertices, type: 'VEC2' },
      { bufferView: 2, componentType: 5125, count: indices.length, type: 'SCALAR' },
    ],
    bufferViews: views,
    buffers: [{ byteLength: bin.length }],
  };
  return glb(json, bin);
}
