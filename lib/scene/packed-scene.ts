import type { PackedSceneInfo } from '../protocol/scene-info';
import type { SceneAnimation, Transform3x4 } from './scene-description';

export const BVH_NODE_WORDS = 8;
export const TRIANGLE_WORDS = 12;
export const SHADING_WORDS = 32;
export const MATERIAL_WORDS = 48;
export const TEXTURE_WORDS = 4;
export const LIGHT_WORDS = 4;
export const PUNCTUAL_WORDS = 16;
export const NO_TEXTURE = 0xffffffff;

/** triangles word 7: flags the traversal reads without loading the material. */
export const TRIANGLE_ALPHA_TESTED = 1; // MASK or BLEND: a hit may be passed through
export const TRIANGLE_CULL_BACK = 2; // single-sided: back-face hits are ignored

/** materials word 7: flags. Bits 0-1 alpha mode, then feature bits, then one bit per present texture slot. */
export const ALPHA_MODE_CODE = { opaque: 0, mask: 1, blend: 2 } as const;
export const MATERIAL_VERTEX_COLORS = 1 << 2;
export const MATERIAL_USES_TEXCOORD_1 = 1 << 3;
/** Bit of texture slot k (TEXTURE_SLOTS order) in the material flags. */
export const MATERIAL_SLOT_BIT = 1 << 4;
/** A material's texture slots, in record order: slot k takes words 16 + 8k .. 23 + 8k. */
export const TEXTURE_SLOTS = [
  'baseColorTexture',
  'metallicRoughnessTexture',
  'normalTexture',
  'emissiveTexture',
] as const;
export const TEXTURE_SLOT_OFFSET = 16;
export const TEXTURE_SLOT_WORDS = 8;
/** Sampler word of a slot: bit 0 texCoord, bits 1-2 wrapS, bits 3-4 wrapT, bit 5 nearest. */
export const WRAP_CODE = { repeat: 0, clamp: 1, mirror: 2 } as const;

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

/**
 * One instance of the two-level BVH: its own BVH (the bottom level) over its triangles in object space,
 * nodes [rootNode, rootNode + nodeCount) of `nodes` (child and leaf indices are absolute, into `nodes` and
 * `triangles`), triangles [firstTriangle, firstTriangle + triangleCount). Instances follow each other in
 * both sections, instance 0 (the static world-space geometry, at the identity) first, so a still scene is
 * one instance whose BVH is the whole `nodes` section, exactly as before instances existed.
 */
export interface PackedInstance {
  name: string;
  rootNode: number;
  nodeCount: number;
  firstTriangle: number;
  triangleCount: number;
  /** Rest object-to-world transform, float32 values (IDENTITY_TRANSFORM for instance 0). */
  transform: Transform3x4;
}

/** Instances a scene may have (the top-level BVH is built per frame over them, on the host). */
export const MAX_INSTANCES = 1024;

/** punctual word 13: the instance the light hangs from (0 = world space). */
export const PUNCTUAL_INSTANCE_WORD = 13;

export interface PackedScene {
  info: PackedSceneInfo;
  /** At least one; more than one only for a scene with animation. */
  instances: PackedInstance[];
  /** What moves (lib/scene/animation.ts evaluates it); null for a still scene. */
  animation: SceneAnimation | null;
  /** Each section as 32-bit words; floats and uints share the buffer (view with a Float32Array). */
  sections: Record<SectionName, Uint32Array<ArrayBuffer>>;
  /**
   * Each texture's image file (PNG or JPEG), in texture order: what the scene file stores in place of the
   * `texels` section, which is decoded from these at load (lib/scene/scene-file.ts).
   */
  images: Uint8Array<ArrayBuffer>[];
}
