/**
 * The packed-scene file: what the coordinator stores, contributors download and cache, and `sceneHash`
 * names. Little-endian throughout:
 *
 *   offset  size  field
 *   0       4     magic 'LGSC' (bytes 4c 47 53 43)
 *   4       4     u32 format version = 3 (2 is still read: a still scene, one instance)
 *   8       4     u32 header byte length H, a multiple of 16 (JSON padded with spaces, as GLB does)
 *   12      4     u32 reserved = 0
 *   16      H     UTF-8 JSON header: { info: PackedSceneInfo, sections: [{ name, wordOffset, wordCount }],
 *                 instances: PackedInstance[], animation: SceneAnimation | null } (version 3)
 *   16 + H  ...   section data; section k starts at byte 16 + H + 4 * wordOffset, every start 16-byte aligned
 *
 * Sections appear in SECTION_NAMES order, each starting at the first 16-byte boundary after the previous
 * one, padded with zeros; the file ends exactly at the end of the last section. That layout is the only one
 * accepted, so a scene has one serialisation and one hash.
 *
 * Textures stay compressed (version 2): in place of the decoded `texels` the file holds an `images` section,
 * each texture's PNG or JPEG file (its byte length in word 3 of its texture record) padded with zeros to a
 * whole word, one after the other. `parsePackedScene` decodes them into `texels` with the importer's own
 * pure-JS decoders (lib/scene/decode-image.ts), so every contributor uploads the same texels; the declared
 * sizes are bounded (SCENE_LIMITS) and each image must be exactly the size its record declares.
 *
 * `parsePackedScene` trusts nothing: it checks sizes before making any view and cross-checks every index a
 * kernel would follow (BVH children and leaf ranges, material, texture and light references), so a
 * truncated or tampered file is rejected instead of producing out-of-range reads on the CPU or the GPU.
 */
import { z } from 'zod';
import { BaseError } from '../protocol/errors';
import { SCENE_LIMITS } from '../protocol/limits';
import { ANIMATION_LIMITS, validateAnimation } from './animation';
import { decodeImageRgba8 } from './decode-image';
import {
  BVH_NODE_WORDS,
  LIGHT_WORDS,
  MATERIAL_WORDS,
  MAX_INSTANCES,
  NO_TEXTURE,
  type PackedInstance,
  type PackedScene,
  type PackedSceneInfo,
  PUNCTUAL_INSTANCE_WORD,
  PUNCTUAL_WORDS,
  SECTION_NAMES,
  SECTION_RECORD_WORDS,
  type SectionName,
  sectionRecords,
  TEXTURE_SLOT_OFFSET,
  TEXTURE_SLOT_WORDS,
  TEXTURE_SLOTS,
  TEXTURE_WORDS,
  TRIANGLE_WORDS,
} from './packed-scene';
import { ANIMATED_PATHS, IDENTITY_TRANSFORM, INTERPOLATIONS, type SceneAnimation } from './scene-description';

export const SCENE_FILE_MAGIC = 'LGSC';
export const SCENE_FILE_VERSION = 3;
/** Version 2 files (no instances, no animation) are still read, as a still scene of one instance. */
const STILL_SCENE_FILE_VERSION = 2;
const PREAMBLE_BYTES = 16;
const SECTION_ALIGN_WORDS = 4; // 16 bytes

/** A packed-scene file is malformed: truncated, tampered with, or not a scene file at all. */
export class SceneFileError extends BaseError {
  override readonly name = 'SceneFileError';
  readonly status = 422;
}

const invalid = (problem: string) =>
  new SceneFileError(`Invalid scene file: ${problem}.`, {
    metaMessages: ['Download the scene again; if this persists, re-upload the original scene.'],
  });

const count = z.number().int().min(0).max(0xffffffff);
const finite = z.number().finite();
const vec3 = z.tuple([finite, finite, finite]);
const infoSchema = z.object({
  triangleCount: count,
  nodeCount: count.min(1),
  materialCount: count,
  textureCount: count,
  lightCount: count,
  punctualCount: count,
  emissivePower: finite.min(0),
  bounds: z.object({ min: vec3, max: vec3 }),
  camera: z.object({ position: vec3, target: vec3, up: vec3, yfov: finite }),
});
const finiteList = (max: number) => z.array(finite).max(max);
const instanceSchema = z.object({
  name: z.string().max(1000),
  rootNode: count,
  nodeCount: count,
  firstTriangle: count,
  triangleCount: count,
  transform: z.tuple([
    finite,
    finite,
    finite,
    finite,
    finite,
    finite,
    finite,
    finite,
    finite,
    finite,
    finite,
    finite,
  ]),
});
const animationSchema = z.object({
  nodes: z
    .array(
      z.object({
        parent: z.number().int(),
        translation: vec3,
        rotation: z.tuple([finite, finite, finite, finite]),
        scale: vec3,
      }),
    )
    .max(ANIMATION_LIMITS.maxNodes),
  channels: z
    .array(
      z.object({
        node: count,
        path: z.enum(ANIMATED_PATHS),
        interpolation: z.enum(INTERPOLATIONS),
        times: finiteList(ANIMATION_LIMITS.maxKeyframes),
        values: finiteList(ANIMATION_LIMITS.maxKeyframes * 12),
      }),
    )
    .max(ANIMATION_LIMITS.maxChannels),
  instanceNodes: z.array(z.number().int()).max(MAX_INSTANCES),
  camera: z.object({ node: count, yfov: finite }).optional(),
});
const headerSchema = z.object({
  info: infoSchema,
  sections: z.array(z.object({ name: z.string(), wordOffset: count, wordCount: count })),
  instances: z.array(instanceSchema).min(1).max(MAX_INSTANCES).optional(),
  animation: animationSchema.nullable().optional(),
});
type SceneFileHeader = z.infer<typeof headerSchema>;

/** The file's sections: the GPU's, with the textures' image files in place of their decoded texels. */
const FILE_SECTION_NAMES = SECTION_NAMES.map((name) => (name === 'texels' ? 'images' : name));

/** Words each section must hold for these counts (an empty section is one entry of zeros). */
function expectedWordCounts(info: PackedSceneInfo, texelCount: number): Record<SectionName, number> {
  const records = sectionRecords(info, texelCount);
  return Object.fromEntries(
    SECTION_NAMES.map((name) => [name, Math.max(1, records[name]) * SECTION_RECORD_WORDS[name]]),
  ) as Record<SectionName, number>;
}

// The sections are arrays of little-endian words. On a little-endian host (every WebGPU platform) they are
// copied as bytes; the DataView paths keep the format right anywhere else.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const alignWords = (words: number) => Math.ceil(words / SECTION_ALIGN_WORDS) * SECTION_ALIGN_WORDS;

/** Serialises `p` in the layout above. Deterministic: equal scenes give equal bytes. */
export function serializePackedScene(p: PackedScene): Uint8Array<ArrayBuffer> {
  const data = { ...p.sections, texels: imagesSection(p.images) };
  const sections: SceneFileHeader['sections'] = [];
  let wordOffset = 0;
  SECTION_NAMES.forEach((name, k) => {
    const wordCount = data[name].length;
    sections.push({ name: FILE_SECTION_NAMES[k] as string, wordOffset, wordCount });
    wordOffset = alignWords(wordOffset + wordCount);
  });
  // Fixed key order (info's own order is fixed by packScene and parse) keeps the JSON canonical.
  const json = new TextEncoder().encode(
    JSON.stringify({ info: p.info, sections, instances: p.instances, animation: p.animation }),
  );
  const headerBytes = Math.ceil(json.length / 16) * 16;
  const dataStart = PREAMBLE_BYTES + headerBytes;
  const bytes = new Uint8Array(dataStart + wordOffset * 4);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(SCENE_FILE_MAGIC), 0);
  view.setUint32(4, SCENE_FILE_VERSION, true);
  view.setUint32(8, headerBytes, true);
  view.setUint32(12, 0, true);
  bytes.set(json, PREAMBLE_BYTES);
  bytes.fill(0x20, PREAMBLE_BYTES + json.length, dataStart);
  for (const [k, s] of sections.entries()) {
    const words = data[SECTION_NAMES[k] as SectionName];
    const start = dataStart + s.wordOffset * 4;
    if (LITTLE_ENDIAN) bytes.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), start);
    else for (let i = 0; i < words.length; i++) view.setUint32(start + i * 4, words[i] as number, true);
  }
  return bytes;
}

/** Each image padded with zeros to whole words, one after the other (one zero word when there are none). */
function imagesSection(images: readonly Uint8Array[]): Uint32Array<ArrayBuffer> {
  const words = images.reduce((n, image) => n + Math.ceil(image.length / 4), 0);
  const out = new Uint32Array(Math.max(1, words));
  const bytes = new Uint8Array(out.buffer);
  let offset = 0;
  for (const image of images) {
    bytes.set(image, offset);
    offset += Math.ceil(image.length / 4) * 4;
  }
  return out;
}

/** What a scene file's header says, read without its sections (what the coordinator needs to pose frames). */
export interface SceneFileHeaderContents {
  info: PackedSceneInfo;
  instances: PackedInstance[];
  animation: SceneAnimation | null;
}

/**
 * The bytes a scene file's preamble and header take (16 + H), from its first 16 bytes; throws SceneFileError
 * when they are not a scene file's preamble.
 */
export function sceneFileHeaderBytes(preamble: Uint8Array): number {
  if (preamble.length < PREAMBLE_BYTES)
    throw invalid(`${preamble.length} bytes is shorter than the preamble`);
  const view = new DataView(preamble.buffer, preamble.byteOffset, preamble.byteLength);
  const magic = String.fromCharCode(preamble[0] ?? 0, preamble[1] ?? 0, preamble[2] ?? 0, preamble[3] ?? 0);
  if (magic !== SCENE_FILE_MAGIC) throw invalid(`magic is not '${SCENE_FILE_MAGIC}'`);
  const version = view.getUint32(4, true);
  if (version !== SCENE_FILE_VERSION && version !== STILL_SCENE_FILE_VERSION) {
    throw invalid(`format version ${version} is not ${SCENE_FILE_VERSION}`);
  }
  const headerBytes = view.getUint32(8, true);
  if (view.getUint32(12, true) !== 0) throw invalid('reserved preamble word is not 0');
  if (headerBytes % 16 !== 0) throw invalid(`header length ${headerBytes} is not a multiple of 16`);
  return PREAMBLE_BYTES + headerBytes;
}

/**
 * The header of a scene file from its first sceneFileHeaderBytes() bytes (or the whole file): info,
 * instances (one static instance for a version 2 file) and animation, the animation checked against the
 * instances (validateAnimation). The sections are not read, so this does not vouch for them.
 */
export function readSceneFileHeader(bytes: Uint8Array): SceneFileHeaderContents {
  return readHeader(bytes).contents;
}

function readHeader(bytes: Uint8Array): {
  contents: SceneFileHeaderContents;
  table: SceneFileHeader['sections'];
  headerBytes: number;
} {
  const end = sceneFileHeaderBytes(bytes);
  if (end > bytes.length)
    throw invalid(`header length ${end - PREAMBLE_BYTES} does not fit a ${bytes.length}-byte file`);
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  let raw: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE_BYTES, end));
    raw = JSON.parse(text);
  } catch (error) {
    throw invalid(`header is not UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`header field ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  const { info, sections: table } = parsed.data;
  if ((version === SCENE_FILE_VERSION) !== (parsed.data.instances !== undefined)) {
    throw invalid(
      `a version ${version} header ${version === SCENE_FILE_VERSION ? 'lacks' : 'has'} instances`,
    );
  }
  const instances: PackedInstance[] = parsed.data.instances ?? [
    {
      name: 'static',
      rootNode: 0,
      nodeCount: info.nodeCount,
      firstTriangle: 0,
      triangleCount: info.triangleCount,
      transform: [...IDENTITY_TRANSFORM],
    },
  ];
  const animation = (parsed.data.animation ?? null) as SceneAnimation | null;
  if (instances.length > 1 && animation === null) throw invalid('several instances but no animation');
  if (animation) {
    const problem = validateAnimation(animation, instances.length);
    if (problem) throw invalid(problem);
  }
  return { contents: { info, instances, animation }, table, headerBytes: end - PREAMBLE_BYTES };
}

/** Parses and validates a file written by `serializePackedScene`; throws SceneFileError on anything else. */
export function parsePackedScene(bytes: Uint8Array): PackedScene {
  const {
    contents: { info, instances, animation },
    table,
    headerBytes,
  } = readHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  // The table must be the canonical one: names in order, offsets packed at 16-byte boundaries.
  if (table.length !== FILE_SECTION_NAMES.length) {
    throw invalid(`${table.length} sections listed, expected ${FILE_SECTION_NAMES.length}`);
  }
  const dataStart = PREAMBLE_BYTES + headerBytes;
  const dataWords = (bytes.length - dataStart) / 4;
  let nextOffset = 0;
  for (let k = 0; k < FILE_SECTION_NAMES.length; k++) {
    const entry = table[k];
    const name = FILE_SECTION_NAMES[k];
    if (!entry || entry.name !== name) throw invalid(`section ${k} is '${entry?.name}', expected '${name}'`);
    if (entry.wordOffset !== nextOffset) {
      throw invalid(`section '${name}' starts at word ${entry.wordOffset}, expected ${nextOffset}`);
    }
    if (entry.wordCount < 1) throw invalid(`section '${name}' is empty`);
    nextOffset = alignWords(entry.wordOffset + entry.wordCount);
  }
  if (dataWords !== nextOffset) {
    throw invalid(
      `file holds ${bytes.length - dataStart} data bytes, the section table describes ${nextOffset * 4}`,
    );
  }

  // Every range is inside the file: copy the words out (the input may be unaligned or shared).
  const sections = {} as Record<SectionName, Uint32Array<ArrayBuffer>>;
  for (let k = 0; k < SECTION_NAMES.length; k++) {
    const entry = table[k] as SceneFileHeader['sections'][number];
    const words = new Uint32Array(entry.wordCount);
    const start = dataStart + entry.wordOffset * 4;
    if (LITTLE_ENDIAN) new Uint8Array(words.buffer).set(bytes.subarray(start, start + words.byteLength));
    else for (let i = 0; i < words.length; i++) words[i] = view.getUint32(start + i * 4, true);
    sections[SECTION_NAMES[k] as SectionName] = words;
  }

  // `texels` holds the image files until decodeImages replaces them.
  const images = splitImages(info, sections);
  sections.texels = decodeImages(info, sections.textures, images);
  validateSections(info, sections);
  validateInstances(info, sections, instances, animation);
  return { info, sections, images, instances, animation };
}

/**
 * The instances tile the nodes and the triangles in order (instance 0 first, at the identity), each BVH
 * stays inside its own ranges, and the animation (bounded by the schema) is consistent with them.
 */
function validateInstances(
  info: PackedSceneInfo,
  s: Record<SectionName, Uint32Array<ArrayBuffer>>,
  instances: readonly PackedInstance[],
  animation: SceneAnimation | null,
): void {
  let node = 0;
  let triangle = 0;
  for (const [k, instance] of instances.entries()) {
    if (instance.rootNode !== node || instance.firstTriangle !== triangle) {
      throw invalid(`instance ${k} does not follow the previous one`);
    }
    if ((instance.nodeCount === 0) !== (instance.triangleCount === 0) && info.triangleCount > 0) {
      throw invalid(`instance ${k} has ${instance.nodeCount} nodes for ${instance.triangleCount} triangles`);
    }
    const nodeEnd = node + instance.nodeCount;
    const triangleEnd = triangle + instance.triangleCount;
    for (let n = node; n < nodeEnd && n < info.nodeCount; n++) {
      const leftOrFirst = s.nodes[n * BVH_NODE_WORDS + 3] as number;
      const triangles = s.nodes[n * BVH_NODE_WORDS + 7] as number;
      const inside =
        triangles === 0
          ? instance.triangleCount === 0 || leftOrFirst + 1 < nodeEnd
          : leftOrFirst >= triangle && leftOrFirst + triangles <= triangleEnd;
      if (!inside) throw invalid(`BVH node ${n} reaches outside instance ${k}`);
    }
    node = nodeEnd;
    triangle = triangleEnd;
  }
  if (triangle !== info.triangleCount || (info.triangleCount > 0 && node !== info.nodeCount)) {
    throw invalid('the instances do not cover the nodes and triangles');
  }
  if (!instances[0]?.transform.every((x, i) => x === IDENTITY_TRANSFORM[i])) {
    throw invalid('instance 0 is not at the identity');
  }
  for (let l = 0; l < info.punctualCount; l++) {
    if ((s.punctual[l * PUNCTUAL_WORDS + PUNCTUAL_INSTANCE_WORD] as number) >= instances.length) {
      throw invalid(`punctual light ${l} hangs from a missing instance`);
    }
  }
  if (instances.length > 1 && animation === null) throw invalid('several instances but no animation');
  if (instances.length > 1 && info.triangleCount === 0) throw invalid('several instances but no triangles');
  if (animation) {
    const problem = validateAnimation(animation, instances.length);
    if (problem) throw invalid(problem);
  }
}

/**
 * The texture records against the limits and the images section: offsets that follow each other, sizes
 * within SCENE_LIMITS (a crafted file could declare any), image lengths that tile the section exactly with
 * zero padding. Returns each texture's image file.
 */
function splitImages(
  info: PackedSceneInfo,
  s: Record<SectionName, Uint32Array<ArrayBuffer>>,
): Uint8Array<ArrayBuffer>[] {
  const textureWords = Math.max(1, info.textureCount) * TEXTURE_WORDS;
  if (s.textures.length !== textureWords) {
    throw invalid(`section 'textures' holds ${s.textures.length} words, expected ${textureWords}`);
  }
  const bytes = new Uint8Array(s.texels.buffer, s.texels.byteOffset, s.texels.byteLength);
  const images: Uint8Array<ArrayBuffer>[] = [];
  let pixels = 0;
  let offset = 0;
  for (let i = 0; i < info.textureCount; i++) {
    const texelOffset = s.textures[i * TEXTURE_WORDS] as number;
    const width = s.textures[i * TEXTURE_WORDS + 1] as number;
    const height = s.textures[i * TEXTURE_WORDS + 2] as number;
    const length = s.textures[i * TEXTURE_WORDS + 3] as number;
    if (width < 1 || height < 1 || texelOffset !== pixels) {
      throw invalid(
        `texture ${i} (offset ${texelOffset}, ${width}x${height}) does not follow the previous one`,
      );
    }
    const { maxTextureDimension, maxTexturePixelsTotal } = SCENE_LIMITS;
    if (width > maxTextureDimension || height > maxTextureDimension) {
      throw invalid(`texture ${i} declares ${width}x${height} pixels, over the ${maxTextureDimension} limit`);
    }
    pixels += width * height;
    if (pixels > maxTexturePixelsTotal)
      throw invalid(`the textures declare more than ${maxTexturePixelsTotal} pixels`);
    if (length < 1 || offset + length > bytes.length)
      throw invalid(`texture ${i}'s image runs past the images`);
    images.push(bytes.slice(offset, offset + length));
    const padded = offset + Math.ceil(length / 4) * 4;
    for (let b = offset + length; b < padded; b++) {
      if (bytes[b] !== 0) throw invalid(`texture ${i}'s image padding is not zero`);
    }
    offset = padded;
  }
  const expectedWords = Math.max(1, offset / 4);
  if (s.texels.length !== expectedWords || (info.textureCount === 0 && s.texels[0] !== 0)) {
    throw invalid(`section 'images' holds ${s.texels.length} words, the textures' images ${expectedWords}`);
  }
  return images;
}

/** Decodes each texture's image into the `texels` words the GPU reads (r | g << 8 | b << 16 | a << 24). */
function decodeImages(
  info: PackedSceneInfo,
  textures: Uint32Array,
  images: readonly Uint8Array[],
): Uint32Array<ArrayBuffer> {
  let texelCount = 0;
  for (let i = 0; i < info.textureCount; i++) {
    texelCount += (textures[i * TEXTURE_WORDS + 1] as number) * (textures[i * TEXTURE_WORDS + 2] as number);
  }
  const texels = new Uint32Array(Math.max(1, texelCount));
  const texelBytes = new Uint8Array(texels.buffer);
  images.forEach((image, i) => {
    const width = textures[i * TEXTURE_WORDS + 1] as number;
    const height = textures[i * TEXTURE_WORDS + 2] as number;
    let rgba: Uint8Array;
    try {
      rgba = decodeImageRgba8(image, { width, height });
    } catch (error) {
      throw invalid(
        `texture ${i} does not decode: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    // Texel words are little-endian RGBA bytes (every WebGPU platform is little-endian; packScene insists).
    texelBytes.set(rgba, (textures[i * TEXTURE_WORDS] as number) * 4);
  });
  return texels;
}

/** Cross-checks counts and every index the kernel follows; throws SceneFileError on the first mismatch. */
function validateSections(info: PackedSceneInfo, s: Record<SectionName, Uint32Array<ArrayBuffer>>): void {
  // Textures were checked by splitImages; the texel count follows from them.
  let texelCount = 0;
  for (let i = 0; i < info.textureCount; i++) {
    texelCount +=
      (s.textures[i * TEXTURE_WORDS + 1] as number) * (s.textures[i * TEXTURE_WORDS + 2] as number);
  }
  const expected = expectedWordCounts(info, texelCount);
  for (const name of SECTION_NAMES) {
    if (s[name].length !== expected[name]) {
      throw invalid(`section '${name}' holds ${s[name].length} words, expected ${expected[name]}`);
    }
  }

  // BVH: children after their parent (so the tree is acyclic) and inside the node array; leaves inside
  // the triangle array.
  for (let n = 0; n < info.nodeCount; n++) {
    const leftOrFirst = s.nodes[n * BVH_NODE_WORDS + 3] as number;
    const triangles = s.nodes[n * BVH_NODE_WORDS + 7] as number;
    if (triangles === 0) {
      const isEmptyRoot = n === 0 && info.nodeCount === 1;
      if (!isEmptyRoot && (leftOrFirst <= n || leftOrFirst + 1 >= info.nodeCount)) {
        throw invalid(`BVH node ${n} points at children ${leftOrFirst} of ${info.nodeCount} nodes`);
      }
    } else if (leftOrFirst + triangles > info.triangleCount) {
      throw invalid(`BVH leaf ${n} covers triangles beyond ${info.triangleCount}`);
    }
  }
  for (let t = 0; t < info.triangleCount; t++) {
    const material = s.triangles[t * TRIANGLE_WORDS + 3] as number;
    if (material >= info.materialCount) throw invalid(`triangle ${t} uses missing material ${material}`);
  }
  for (let m = 0; m < info.materialCount; m++) {
    for (let k = 0; k < TEXTURE_SLOTS.length; k++) {
      const texture = s.materials[
        m * MATERIAL_WORDS + TEXTURE_SLOT_OFFSET + k * TEXTURE_SLOT_WORDS
      ] as number;
      if (texture !== NO_TEXTURE && texture >= info.textureCount) {
        throw invalid(`material ${m} uses missing texture ${texture}`);
      }
    }
  }
  for (let l = 0; l < info.lightCount; l++) {
    const triangle = s.lights[l * LIGHT_WORDS] as number;
    if (triangle >= info.triangleCount) throw invalid(`light ${l} names missing triangle ${triangle}`);
  }
  for (let l = 0; l < info.punctualCount; l++) {
    if ((s.punctual[l * PUNCTUAL_WORDS] as number) > 2)
      throw invalid(`punctual light ${l} has an unknown type`);
  }
}

/** Lower-case hex SHA-256 of a scene file: its content address. WebCrypto, so browsers, workers and Node. */
export async function sceneHash(bytes: Uint8Array): Promise<string> {
  // digest() wants an ArrayBuffer-backed view; copy only when the input sits on a SharedArrayBuffer.
  const input: Uint8Array<ArrayBuffer> =
    bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const digest = await globalThis.crypto.subtle.digest('SHA-256', input);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
