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

/** glTF sampler wrap modes (the WebGL enums the file stores). */
export type TextureWrap = 'repeat' | 'clamp' | 'mirror';

/**
 * One texture slot of a material (a glTF textureInfo with its sampler and KHR_texture_transform): which
 * texture, which UV set, how the UVs are transformed and wrapped, and whether the lookup is nearest or
 * bilinear. Mip levels are not kept: a path tracer averages many jittered samples per pixel, which filters
 * minification on its own.
 */
export interface TextureBinding {
  /** Index into `textures`. */
  texture: number;
  /** 0 = TEXCOORD_0, 1 = TEXCOORD_1. */
  texCoord: 0 | 1;
  /**
   * Row-major 2x3 UV transform [a, b, c, d, e, f]: uv' = (a u + b v + c, d u + e v + f) (KHR_texture_transform's
   * translation x rotation x scale).
   */
  transform: [number, number, number, number, number, number];
  wrapS: TextureWrap;
  wrapT: TextureWrap;
  /** magFilter NEAREST: the nearest texel instead of bilinear filtering. */
  nearest: boolean;
}

export const IDENTITY_UV_TRANSFORM: TextureBinding['transform'] = [1, 0, 0, 0, 1, 0];

/** A binding with the glTF defaults: TEXCOORD_0, no transform, repeat, bilinear. */
export function textureBinding(texture: number, overrides: Partial<TextureBinding> = {}): TextureBinding {
  return {
    texture,
    texCoord: 0,
    transform: [...IDENTITY_UV_TRANSFORM],
    wrapS: 'repeat',
    wrapT: 'repeat',
    nearest: false,
    ...overrides,
  };
}

export type AlphaMode = 'opaque' | 'mask' | 'blend';

export interface MaterialDescription {
  name: string;
  /** Linear RGBA base colour factor (glTF baseColorFactor). */
  baseColor: [number, number, number, number];
  /** Multiplied with baseColor (RGB sRGB-decoded, alpha linear); null when absent. */
  baseColorTexture: TextureBinding | null;
  metallic: number;
  /** Perceptual roughness in [0, 1]; the shader squares it for GGX alpha. */
  roughness: number;
  /** glTF metallicRoughnessTexture: B multiplies metallic, G multiplies roughness (linear). */
  metallicRoughnessTexture?: TextureBinding | null;
  /** Tangent-space normal map (linear RGB), its XY scaled by `normalScale`. */
  normalTexture?: TextureBinding | null;
  normalScale?: number;
  /** Linear emitted radiance (emissiveFactor x KHR_materials_emissive_strength). */
  emissive: Vec3;
  /** Multiplies `emissive` (sRGB-decoded RGB). */
  emissiveTexture?: TextureBinding | null;
  /** glTF alphaMode; alpha = baseColor.a x texture alpha x COLOR_0 alpha. Default 'opaque'. */
  alphaMode?: AlphaMode;
  /** MASK: the surface exists where alpha >= alphaCutoff. Default 0.5. */
  alphaCutoff?: number;
  /** glTF doubleSided. Single-sided surfaces are invisible from behind (back faces culled). Default true. */
  doubleSided?: boolean;
  /** Whether the triangles of this material carry COLOR_0 (multiplied with the base colour). */
  vertexColors?: boolean;
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
  /**
   * The image file `rgba` was decoded from (PNG or JPEG), which the packed scene stores instead of the
   * texels; absent (generated textures) = packScene encodes `rgba` as a PNG.
   */
  encoded?: Uint8Array;
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
  /**
   * The instance whose object space position and direction are in (it moves with it); absent or 0 = world
   * space, still.
   */
  instance?: number;
}

export interface SceneDescription {
  /** 9 floats per triangle: v0, v1, v2 world-space positions. */
  positions: Float32Array;
  /** 9 floats per triangle: unit shading normals at v0, v1, v2 (the face normal where the file has none). */
  normals: Float32Array;
  /** 6 floats per triangle: UVs at v0, v1, v2 (zeros where the file has none). */
  uvs: Float32Array;
  /** 6 floats per triangle: TEXCOORD_1 at v0, v1, v2; absent = a copy of `uvs`. */
  uvs1?: Float32Array;
  /** 12 floats per triangle: linear RGBA COLOR_0 at v0, v1, v2; absent = white. */
  colors?: Float32Array;
  /**
   * 12 floats per triangle: unit tangents xyz and handedness w (+-1) at v0, v1, v2, as glTF's TANGENT;
   * absent (or a zero tangent) = generated per triangle from the UV derivatives by packScene.
   */
  tangents?: Float32Array;
  /** 1 per triangle: index into `materials`. */
  materialIndices: Uint32Array;
  materials: MaterialDescription[];
  textures: TextureDescription[];
  camera: CameraDescription;
  punctualLights: PunctualLightDescription[];
  /**
   * 1 per triangle: index into `instances`; absent = every triangle in instance 0 (a still scene). Triangles
   * of instance k > 0 are in that instance's object space, those of instance 0 in world space.
   */
  triangleInstances?: Uint32Array;
  /** Absent or empty = one static instance at the identity. Instance 0's transform must be the identity. */
  instances?: InstanceDescription[];
  /** Absent = nothing moves. */
  animation?: SceneAnimation;
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

/**
 * Row-major 3x4 object-to-world matrix, 12 numbers: rows (m00 m01 m02 tx), (m10 m11 m12 ty), (m20 m21 m22 tz).
 * The layout FramePose.instanceTransforms uses (lib/protocol/frame-pose.ts).
 */
export type Transform3x4 = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

export const IDENTITY_TRANSFORM: Readonly<Transform3x4> = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0];

/** glTF animation sampler interpolation modes. */
export const INTERPOLATIONS = ['STEP', 'LINEAR', 'CUBICSPLINE'] as const;
export type Interpolation = (typeof INTERPOLATIONS)[number];
export const ANIMATED_PATHS = ['translation', 'rotation', 'scale'] as const;
export type AnimatedPath = (typeof ANIMATED_PATHS)[number];

/** One node of the animation rig: an animated node or an ancestor of one, with its rest TRS (glTF). */
export interface RigNode {
  /** Index of the parent in `SceneAnimation.nodes`, -1 for a child of the scene root. Parents come first. */
  parent: number;
  translation: Vec3;
  /** Unit quaternion x, y, z, w. */
  rotation: [number, number, number, number];
  scale: Vec3;
}

/**
 * One glTF animation channel with its sampler: `times` strictly increasing and finite (seconds), `values`
 * components per key (3 for translation and scale, 4 for rotation), three times that for CUBICSPLINE
 * (in-tangent, value, out-tangent per key, as glTF stores them).
 */
export interface RigChannel {
  node: number;
  path: AnimatedPath;
  interpolation: Interpolation;
  times: number[];
  values: number[];
}

/**
 * What moves in a scene, kept from its glTF: the nodes that instances (and the camera) hang from, their
 * rest transforms and their channels. lib/scene/animation.ts evaluates it for a frame.
 */
export interface SceneAnimation {
  nodes: RigNode[];
  channels: RigChannel[];
  /** Per instance of the scene (SceneDescription.instances order), its node in `nodes`; -1 = static. */
  instanceNodes: number[];
  /** The camera's node when the camera moves, else absent (the scene's camera is still). */
  camera?: { node: number; yfov: number };
}

/**
 * An instance: triangles stored in its object space (SceneDescription.triangleInstances) drawn at a
 * transform. Instance 0 is the static world-space geometry, always at the identity.
 */
export interface InstanceDescription {
  name: string;
  /** The rest transform (the glTF node's world matrix without animation). */
  transform: Transform3x4;
}
