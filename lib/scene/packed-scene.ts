import type { PackedSceneInfo } from '../protocol/scene-info';

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
