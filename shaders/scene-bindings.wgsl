// The packed scene (lib/scene/packed-scene.ts) as storage buffers, and typed accessors for its records.
//
// Every section is 32-bit words; floats and uints share a record, so records are read as vec4f and the
// uint slots are bitcast back. The word layouts below repeat packed-scene.ts; that file is the contract.
//
// Eight sections, seven bindings: `textures` (4 words a texture) and `texels` share one buffer, headers
// first, because WebGPU guarantees only 8 storage buffers per shader stage (Firefox and Safari expose no
// more) and the accumulator needs one of them. Params.texel_base says where the texels start.
//
//#include params.wgsl

// nodes: 2 vec4f per BVH node. [0] = bounds min xyz, w = u leftOrFirst; [1] = bounds max xyz, w = u count.
@group(0) @binding(2) var<storage, read> scene_nodes: array<vec4f>;
// triangles: 3 vec4f per triangle, BVH leaf order. [0] = v0, w = u material; [1] = v1 - v0; [2] = v2 - v0.
@group(0) @binding(3) var<storage, read> scene_triangles: array<vec4f>;
// shading: 4 vec4f per triangle. [0] = n0, u0; [1] = n1, v0; [2] = n2, u1; [3] = v1, u2, v2, 0.
@group(0) @binding(4) var<storage, read> scene_shading: array<vec4f>;
// materials: 4 vec4f per material. [0] = baseColor rgba; [1] = emissive rgb, w = u texture index;
// [2] = metallic, roughness, transmission, ior; [3] = reserved.
@group(0) @binding(5) var<storage, read> scene_materials: array<vec4f>;
// textures then texels, as words. Texture header t at words 4t..4t+3: texel offset (words into the texel
// part), width, height, 0. Texel: RGBA8 sRGB, r | g << 8 | b << 16 | a << 24.
@group(0) @binding(6) var<storage, read> scene_images: array<u32>;
// lights: 1 vec4f per emissive triangle: x = u triangle index, y = cumulative probability, z = area,
// w = selection probability.
@group(0) @binding(7) var<storage, read> scene_lights: array<vec4f>;
// punctual: 4 vec4f per light. [0] = u type, position xyz; [1] = direction xyz, innerConeCos;
// [2] = intensity rgb, outerConeCos; [3] = range (0 = infinite), then reserved.
@group(0) @binding(8) var<storage, read> scene_punctual: array<vec4f>;

const NO_TEXTURE: u32 = 0xffffffffu;

struct BvhNode {
  bounds_min: vec3f,
  left_or_first: u32,   // interior: first child (the second is left_or_first + 1); leaf: first triangle
  bounds_max: vec3f,
  triangle_count: u32,  // 0 = interior node
}

fn load_node(index: u32) -> BvhNode {
  let a = scene_nodes[2u * index];
  let b = scene_nodes[2u * index + 1u];
  return BvhNode(a.xyz, bitcast<u32>(a.w), b.xyz, bitcast<u32>(b.w));
}

struct Triangle {
  v0: vec3f,
  material: u32,
  edge1: vec3f,  // v1 - v0
  edge2: vec3f,  // v2 - v0
}

fn load_triangle(index: u32) -> Triangle {
  let a = scene_triangles[3u * index];
  return Triangle(a.xyz, bitcast<u32>(a.w), scene_triangles[3u * index + 1u].xyz,
    scene_triangles[3u * index + 2u].xyz);
}

// Shading normal and texture coordinate at barycentrics (u, v) of a triangle: weights 1 - u - v, u, v.
struct ShadingPoint {
  normal: vec3f,  // interpolated, not normalised
  uv: vec2f,
}

fn load_shading(index: u32, u: f32, v: f32) -> ShadingPoint {
  let s0 = scene_shading[4u * index];
  let s1 = scene_shading[4u * index + 1u];
  let s2 = scene_shading[4u * index + 2u];
  let s3 = scene_shading[4u * index + 3u];
  let w = 1.0 - u - v;
  let normal = w * s0.xyz + u * s1.xyz + v * s2.xyz;
  let uv = w * vec2f(s0.w, s1.w) + u * vec2f(s2.w, s3.x) + v * s3.yz;
  return ShadingPoint(normal, uv);
}

struct Material {
  base_color: vec4f,         // linear RGBA factor
  emissive: vec3f,           // linear emitted radiance
  base_color_texture: u32,   // index into the texture headers, NO_TEXTURE = none
  metallic: f32,
  roughness: f32,            // perceptual; GGX alpha = roughness^2
  transmission: f32,
  ior: f32,
}

fn load_material(index: u32) -> Material {
  let a = scene_materials[4u * index];
  let b = scene_materials[4u * index + 1u];
  let c = scene_materials[4u * index + 2u];
  return Material(a, b.xyz, bitcast<u32>(b.w), c.x, c.y, c.z, c.w);
}

struct TextureHeader {
  texel_offset: u32,  // words into the texel part of scene_images
  width: u32,
  height: u32,
}

fn load_texture_header(index: u32) -> TextureHeader {
  return TextureHeader(scene_images[4u * index], scene_images[4u * index + 1u], scene_images[4u * index + 2u]);
}

// One RGBA8 sRGB texel of a texture, by its word offset into the texel part.
fn load_texel(word: u32) -> u32 {
  return scene_images[params.texel_base + word];
}

struct LightEntry {
  triangle: u32,
  cumulative: f32,   // cumulative selection probability up to and including this light; the last is 1
  area: f32,
  probability: f32,  // selection probability, proportional to area x luminance(emissive)
}

fn load_light(index: u32) -> LightEntry {
  let a = scene_lights[index];
  return LightEntry(bitcast<u32>(a.x), a.y, a.z, a.w);
}

const PUNCTUAL_POINT: u32 = 0u;
const PUNCTUAL_SPOT: u32 = 1u;
const PUNCTUAL_DIRECTIONAL: u32 = 2u;

struct PunctualLight {
  kind: u32,           // PUNCTUAL_POINT, PUNCTUAL_SPOT or PUNCTUAL_DIRECTIONAL
  position: vec3f,
  direction: vec3f,    // the direction light travels, unit length
  inner_cone_cos: f32,
  intensity: vec3f,    // candela (point, spot) or lux (directional), times colour
  outer_cone_cos: f32,
  range: f32,          // KHR_lights_punctual range (point, spot); 0 = infinite
}

fn load_punctual(index: u32) -> PunctualLight {
  let a = scene_punctual[4u * index];
  let b = scene_punctual[4u * index + 1u];
  let c = scene_punctual[4u * index + 2u];
  let d = scene_punctual[4u * index + 3u];
  return PunctualLight(bitcast<u32>(a.x), a.yzw, b.xyz, b.w, c.xyz, c.w, d.x);
}
