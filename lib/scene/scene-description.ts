/**
 * A scene as the renderer understands it, before packing for the GPU: world-space triangles, PBR
 * metallic-roughness materials, decoded textures, one camera, punctual lights. glTF import produces it;
 * demo scenes are generated as it; `packScene` turns it into GPU buffers with a BVH.
 *
 * Colours are linear RGB except texture texels, which stay sRGB-encoded 8-bit as stored in the file (the
 * shader decodes them, so textures cost 4 bytes a texel).
 */
import type { CameraDescription, Vec3 } from '../protocol/scene-info';

export type { CameraDescription, Vec3 };

export interface MaterialDescription {
  name: string;
  /** Linear RGBA base colour factor (glTF baseColorFactor). */
  baseColor: [number, number, number, number];
  /** Index into `textures`, multiplied with baseColor; null when absent. */
  baseColorTexture: number | null;
  metallic: number;
  /** Perceptual roughness in [0, 1]; the shader squares it for GGX alpha. */
  roughness: number;
  /** Linear emitted radiance (emissiveFactor x KHR_materials_emissive_strength). */
  emissive: Vec3;
  /** KHR_materials_transmission factor: 1 = clear dielectric. */
  transmission: number;
  /** KHR_materials_ior, default 1.5. */
  ior: number;
}

export interface TextureDescription {
  name: string;
  width: number;
  height: number;
  /** RGBA8, sRGB-encoded, row-major, top row first (glTF UV (0,0) is the top-left corner). */
  rgba: Uint8Array;
}

export interface PunctualLightDescription {
  type: 'point' | 'spot' | 'directional';
  position: Vec3;
  /** Direction the light travels (spot, directional), normalised. */
  direction: Vec3;
  /** Linear colour x intensity (KHR_lights_punctual: candela for point/spot, lux for directional). */
  intensity: Vec3;
  innerConeCos: number;
  outerConeCos: number;
  /**
   * KHR_lights_punctual `range` of a point or spot light: its light is windowed smoothly to zero there
   * (shaders/lights.wgsl). Absent: infinite.
   */
  range?: number;
}

export interface SceneDescription {
  /** 9 floats per triangle: v0, v1, v2 world-space positions. */
  positions: Float32Array;
  /** 9 floats per triangle: unit shading normals at v0, v1, v2 (the face normal where the file has none). */
  normals: Float32Array;
  /** 6 floats per triangle: UVs at v0, v1, v2 (zeros where the file has none). */
  uvs: Float32Array;
  /** 1 per triangle: index into `materials`. */
  materialIndices: Uint32Array;
  materials: MaterialDescription[];
  textures: TextureDescription[];
  camera: CameraDescription;
  punctualLights: PunctualLightDescription[];
}

export const DEFAULT_MATERIAL: MaterialDescription = {
  name: 'default',
  baseColor: [0.8, 0.8, 0.8, 1],
  baseColorTexture: null,
  metallic: 0,
  roughness: 0.5,
  emissive: [0, 0, 0],
  transmission: 0,
  ior: 1.5,
};

export function triangleCount(scene: Pick<SceneDescription, 'materialIndices'>): number {
  return scene.materialIndices.length;
}
