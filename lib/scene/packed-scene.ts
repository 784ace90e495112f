import type { PackedSceneInfo } from '../protocol/scene-info';
/**
 * The packed scene: GPU-ready sections with a BVH, the same bytes for every contributor, addressed by the
 * SHA-256 of its serialisation (`sceneHash`). Contributors download it once and cache it by that hash.
 *
 * Every section is an array of 32-bit words (float32 or uint32, little-endian) uploaded as one storage
 * buffer. Byte layouts, in 4-byte words (f = float32, u = uint32 bit pattern stored in the same slot):
 *
 * nodes       BVH_NODE_WORDS = 8 per node, node 0 is the root:
 *             [0..2] f bounds min xyz   [3] u leftOrFirst
 *             [4..6] f bounds max xyz   [7] u triangleCount
 *             Interior node: triangleCount = 0, children are nodes leftOrFirst and leftOrFirst + 1.
 *             Leaf: triangles [leftOrFirst, leftOrFirst + triangleCount) of the `triangles` section.
 * triangles   TRIANGLE_WORDS = 12 per triangle, in BVH leaf order:
 *             [0..2] f v0   [3] u materialIndex
 *             [4..6] f edge1 = v1 - v0   [7] f 0
 *             [8..10] f edge2 = v2 - v0  [11] f 0
 * shading     SHADING_WORDS = 16 per triangle, same order as `triangles`:
 *             [0..2] f n0  [3] f u0   [4..6] f n1  [7] f v0   [8..10] f n2  [11] f u1   [12] f v1  [13] f u2  [14] f v2  [15] f 0
 * materials   MATERIAL_WORDS = 16 per material:
 *             [0..3] f baseColor rgba (linear)
 *             [4..6] f emissive rgb (linear radiance)   [7] u baseColorTexture index, 0xffffffff = none
 *             [8] f metallic  [9] f roughness  [10] f transmission  [11] f ior
 *             [12..15] reserved, 0
 * textures    TEXTURE_WORDS = 4 per texture: [0] u texel offset (in words, into `texels`) [1] u width [2] u height [3] 0
 * texels      1 word per texel: RGBA8 sRGB, packed as r | g << 8 | b << 16 | a << 24 (unpack4x8unorm order)
 * lights      LIGHT_WORDS = 4 per emissive triangle, for next-event estimation:
 *             [0] u triangle index (into `triangles`)  [1] f cumulative selection probability (last = 1)
 *             [2] f area  [3] f selection probability of this light
 *             Probabilities are proportional to area x luminance(emissive). Empty when nothing emits.
 * punctual    PUNCTUAL_WORDS = 16 per light:
 *             [0] u type (0 point, 1 spot, 2 directional)  [1..3] f position
 *             [4..6] f direction (travel direction, unit)   [7] f innerConeCos
 *             [8..10] f intensity rgb                       [11] f outerConeCos
 *             [12..15] reserved, 0
 *
 * A section with no entries is stored as one entry of zeros (WebGPU bindings may not be empty); the
 * counts in `PackedSceneInfo` are authoritative.
 */
import type { CameraDescription, Vec3 } from './scene-description';

export const BVH_NODE_WORDS = 8;
export const TRIANGLE_WORDS = 12;
export const SHADING_WORDS = 16;
export const MATERIAL_WORDS = 16;
export const TEXTURE_WORDS = 4;
export const LIGHT_WORDS = 4;
export const PUNCTUAL_WORDS = 16;
export const NO_TEXTURE = 0xffffffff;

export const SECTION_NAMES = [
  'nodes',
  'triangles',
  'shading',
  'materials',
  'textures',
  'texels',
  'lights',
  'punctual',
] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export type { PackedSceneInfo };

/** Words per record of each section; texels are single words. */
export const SECTION_RECORD_WORDS: Record<SectionName, number> = {
  nodes: BVH_NODE_WORDS,
  triangles: TRIANGLE_WORDS,
  shading: SHADING_WORDS,
  materials: MATERIAL_WORDS,
  textures: TEXTURE_WORDS,
  texels: 1,
  lights: LIGHT_WORDS,
  punctual: PUNCTUAL_WORDS,
};

/** Records each section holds for a scene's declared counts (texels are not counted in `info`). */
export function sectionRecords(info: PackedSceneInfo, texelCount: number): Record<SectionName, number> {
  return {
    nodes: info.nodeCount,
    triangles: info.triangleCount,
    shading: info.triangleCount,
    materials: info.materialCount,
    textures: info.textureCount,
    texels: texelCount,
    lights: info.lightCount,
    punctual: info.punctualCount,
  };
}

export interface PackedScene {
  info: PackedSceneInfo;
  /** Each section as 32-bit words; floats and uints share the buffer (view with a Float32Array). */
  sections: Record<SectionName, Uint32Array<ArrayBuffer>>;
}
