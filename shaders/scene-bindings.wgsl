// The packed scene (lib/scene/packed-scene.ts) as storage buffers, and typed accessors for its records.
//
// Every section is 32-bit words; floats and uints share a record, so records are read as vec4f and the
// uint slots are bitcast back. The word layouts below repeat packed-scene.ts; that file is the contract.
//
// Eight sections, six bindings: `textures` (4 words a texture) and `texels` share one buffer, headers
// first, and so do `lights` and `punctual`, because WebGPU guarantees only 8 storage buffers per shader stage
// (Firefox and Safari expose no more), the accumulator needs one of them and the frame's instances
// (binding 8) another. Params.texel_base and Params.punctual_base say where the second parts start.
//
//#include params.wgsl

// nodes: 2 vec4f per BVH node. [0] = bounds min xyz, w = u leftOrFirst; [1] = bounds max xyz, w = u count.
@group(0) @binding(2) var<storage, read> scene_nodes: array<vec4f>;
// triangles: 3 vec4f per triangle, BVH leaf order. [0] = v0, w = u material; [1] = v1 - v0, w = u flags
// (TRIANGLE_ALPHA_TESTED, TRIANGLE_CULL_BACK); [2] = v2 - v0, w = emitted luminance (light CDF weight per area).
@group(0) @binding(3) var<storage, read> scene_triangles: array<vec4f>;
// shading: 8 vec4f per triangle. [0] = n0, u0; [1] = n1, v0; [2] = n2, u1; [3] = v1, u2, v2, 0;
// [4], [5].xy = TEXCOORD_1 u0 v0 u1 v1 u2 v2; [5].zw, [6] = u COLOR_0 per vertex (pack2x16unorm rg, ba);
// [7].xyz = u tangent per vertex (octahedral pack2x16snorm), w = u bit k set: vertex k's handedness is -1.
@group(0) @binding(4) var<storage, read> scene_shading: array<vec4f>;
// materials: 12 vec4f per material. [0] = baseColor rgba; [1] = emissive rgb, w = u flags (alpha mode,
// MATERIAL_VERTEX_COLORS, MATERIAL_USES_TEXCOORD_1, one bit per present slot); [2] = metallic, roughness,
// transmission, ior; [3] = normalScale, alphaCutoff, 0, 0; [4 + 2k], [5 + 2k] = texture slot k (baseColor,
// metallicRoughness, normal, emissive): u texture, u sampler bits, then the UV transform a b c d e f.
@group(0) @binding(5) var<storage, read> scene_materials: array<vec4f>;
// textures then texels, as words. Texture header t at words 4t..4t+3: texel offset (words into the texel
// part), width, height, image file bytes (unused here). Texel: RGBA8 sRGB, r | g << 8 | b << 16 | a << 24.
@group(0) @binding(6) var<storage, read> scene_images: array<u32>;
// lights then punctual, as vec4f. lights: 1 vec4f per emissive triangle: x = u triangle index,
// y = cumulative probability, z = area (object space), w = selection probability.
// punctual, from vec4f Params.punctual_base on: 4 vec4f per light. [0] = u type, position xyz;
// [1] = direction xyz, innerConeCos; [2] = intensity rgb, outerConeCos; [3] = range (0 = infinite),
// u instance (position and direction are in its object space; 0 = world), then reserved.
@group(0) @binding(7) var<storage, read> scene_lights: array<vec4f>;
// The frame's instances (lib/render/frame-instances.ts), only read when Params.instance_count > 0:
// the top-level BVH nodes from vec4f 0 (BVH node layout; a leaf covers entries of the instance order), the
// instance order from Params.instance_order_base (4 u32 instance indices per vec4f), and from
// Params.instance_slot_base 7 vec4f per instance, in instance order: [0..2] world-to-object rows (3x4),
// [3..5] object-to-world rows, [6] = u root node, u first triangle, u triangle count, f sign of det.
@group(0) @binding(8) var<storage, read> scene_frame: array<vec4f>;

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

// What the loaded scene uses (lib/render/path-tracer.ts KernelFeatures sets them per scene; the defaults are
// every feature). False compiles the code of that feature out: SwiftShader runs inlined branches that no
// invocation takes, so texture, alpha and culling code cost scenes without them several times over.
override SCENE_PASS_THROUGH: bool = true;   // some triangle is alpha-tested or single-sided
override SCENE_TEXTURE_SLOTS: u32 = 15u;    // bit k: some material has texture slot k (SLOT_*)
override SCENE_VERTEX_COLORS: bool = true;  // some material multiplies by COLOR_0
override SCENE_INSTANCED: bool = true;      // the scene has instances (an animation): the two-level walk

// Whether this frame is drawn as instances over a top level (lib/render/frame-instances.ts). A still scene's
// kernel is compiled with SCENE_INSTANCED false, so none of the top-level code is in it.
fn frame_instanced() -> bool {
  return SCENE_INSTANCED && params.instance_count > 0u;
}

const TRIANGLE_ALPHA_TESTED: u32 = 1u;  // MASK or BLEND material: a hit may be passed through
const TRIANGLE_CULL_BACK: u32 = 2u;     // single-sided material: back-face hits do not count

struct Triangle {
  v0: vec3f,
  material: u32,
  edge1: vec3f,  // v1 - v0
  flags: u32,
  edge2: vec3f,  // v2 - v0
  emitted_luminance: f32,  // average over the emissive texture footprint; 0 = not in the light CDF
}

fn load_triangle(index: u32) -> Triangle {
  let a = scene_triangles[3u * index];
  let b = scene_triangles[3u * index + 1u];
  let c = scene_triangles[3u * index + 2u];
  return Triangle(a.xyz, bitcast<u32>(a.w), b.xyz, bitcast<u32>(b.w), c.xyz, c.w);
}

// Shading normal and texture coordinate at barycentrics (u, v) of a triangle: weights 1 - u - v, u, v.
struct ShadingPoint {
  normal: vec3f,  // interpolated, not normalised
  uv: vec2f,
}

const SHADING_VEC4S: u32 = 8u;

fn load_shading(index: u32, u: f32, v: f32) -> ShadingPoint {
  let s0 = scene_shading[SHADING_VEC4S * index];
  let s1 = scene_shading[SHADING_VEC4S * index + 1u];
  let s2 = scene_shading[SHADING_VEC4S * index + 2u];
  let s3 = scene_shading[SHADING_VEC4S * index + 3u];
  let w = 1.0 - u - v;
  let normal = w * s0.xyz + u * s1.xyz + v * s2.xyz;
  let uv = w * vec2f(s0.w, s1.w) + u * vec2f(s2.w, s3.x) + v * s3.yz;
  return ShadingPoint(normal, uv);
}

// TEXCOORD_1 at barycentrics (u, v).
fn load_uv1(index: u32, u: f32, v: f32) -> vec2f {
  let s4 = scene_shading[SHADING_VEC4S * index + 4u];
  let s5 = scene_shading[SHADING_VEC4S * index + 5u];
  return (1.0 - u - v) * s4.xy + u * s4.zw + v * s5.xy;
}

// Linear RGBA COLOR_0 at barycentrics (u, v) (white where the file has none).
fn load_vertex_color(index: u32, u: f32, v: f32) -> vec4f {
  let s5 = bitcast<vec4u>(scene_shading[SHADING_VEC4S * index + 5u]);
  let s6 = bitcast<vec4u>(scene_shading[SHADING_VEC4S * index + 6u]);
  let c0 = vec4f(unpack2x16unorm(s5.z), unpack2x16unorm(s5.w));
  let c1 = vec4f(unpack2x16unorm(s6.x), unpack2x16unorm(s6.y));
  let c2 = vec4f(unpack2x16unorm(s6.z), unpack2x16unorm(s6.w));
  return (1.0 - u - v) * c0 + u * c1 + v * c2;
}

fn unpack_octahedral(word: u32) -> vec3f {
  let e = unpack2x16snorm(word);
  var n = vec3f(e, 1.0 - abs(e.x) - abs(e.y));
  let t = max(-n.z, 0.0);
  n.x += select(t, -t, n.x >= 0.0);
  n.y += select(t, -t, n.y >= 0.0);
  return n;
}

// Tangent (xyz interpolated, not normalised) and handedness w = +-1 at barycentrics (u, v): w is the
// majority of the three corners' (a triangle mixing them is a UV seam, where either is as good).
fn load_tangent(index: u32, u: f32, v: f32) -> vec4f {
  let s7 = bitcast<vec4u>(scene_shading[SHADING_VEC4S * index + 7u]);
  let t = (1.0 - u - v) * normalize(unpack_octahedral(s7.x)) + u * normalize(unpack_octahedral(s7.y)) +
    v * normalize(unpack_octahedral(s7.z));
  let negative = countOneBits(s7.w & 7u);
  return vec4f(t, select(1.0, -1.0, negative >= 2u));
}

const MATERIAL_VEC4S: u32 = 12u;
const ALPHA_OPAQUE: u32 = 0u;
const ALPHA_MASK: u32 = 1u;
const ALPHA_BLEND: u32 = 2u;
const MATERIAL_VERTEX_COLORS: u32 = 4u;
const MATERIAL_USES_TEXCOORD_1: u32 = 8u;
// Texture slots, and their presence bits in Material.flags (MATERIAL_SLOT_BIT << slot).
const SLOT_BASE_COLOR: u32 = 0u;
const SLOT_METALLIC_ROUGHNESS: u32 = 1u;
const SLOT_NORMAL: u32 = 2u;
const SLOT_EMISSIVE: u32 = 3u;
const MATERIAL_SLOT_BIT: u32 = 16u;

struct Material {
  base_color: vec4f,         // linear RGBA factor
  emissive: vec3f,           // linear emitted radiance
  flags: u32,                // bits 0-1 alpha mode, then the MATERIAL_* bits and slot presence bits
  metallic: f32,
  roughness: f32,            // perceptual; GGX alpha = roughness^2
  transmission: f32,
  ior: f32,
  normal_scale: f32,
  alpha_cutoff: f32,
  index: u32,                // which material, for load_texture_slot
}

fn load_material(index: u32) -> Material {
  let a = scene_materials[MATERIAL_VEC4S * index];
  let b = scene_materials[MATERIAL_VEC4S * index + 1u];
  let c = scene_materials[MATERIAL_VEC4S * index + 2u];
  let d = scene_materials[MATERIAL_VEC4S * index + 3u];
  return Material(a, b.xyz, bitcast<u32>(b.w), c.x, c.y, c.z, c.w, d.x, d.y, index);
}

fn has_texture(m: Material, slot: u32) -> bool {
  return (SCENE_TEXTURE_SLOTS & (1u << slot)) != 0u && (m.flags & (MATERIAL_SLOT_BIT << slot)) != 0u;
}

struct TextureSlot {
  texture: u32,     // index into the texture headers
  sampler: u32,     // bit 0 texCoord, bits 1-2 wrapS, bits 3-4 wrapT (WRAP_*), bit 5 nearest
  transform_u: vec3f,  // uv'.x = dot(transform_u, (u, v, 1))
  transform_v: vec3f,
}

const WRAP_REPEAT: u32 = 0u;
const WRAP_CLAMP: u32 = 1u;
const WRAP_MIRROR: u32 = 2u;

fn load_texture_slot(material: u32, slot: u32) -> TextureSlot {
  let a = scene_materials[MATERIAL_VEC4S * material + 4u + 2u * slot];
  let b = scene_materials[MATERIAL_VEC4S * material + 5u + 2u * slot];
  return TextureSlot(bitcast<u32>(a.x), bitcast<u32>(a.y), vec3f(a.zw, b.x), b.yzw);
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
  let base = params.punctual_base + 4u * index;
  let a = scene_lights[base];
  let b = scene_lights[base + 1u];
  let c = scene_lights[base + 2u];
  let d = scene_lights[base + 3u];
  var light = PunctualLight(bitcast<u32>(a.x), a.yzw, b.xyz, b.w, c.xyz, c.w, d.x);
  let instance = bitcast<u32>(d.y);
  // A light hanging from a moving node is stored in its object space: carried to the frame's world. A node
  // scaled to nothing this frame (handedness 0) hides what hangs from it, its lights too.
  if (frame_instanced() && instance != 0u) {
    let slot = load_instance(instance);
    if (slot.handedness == 0.0) {
      light.intensity = vec3f(0.0);
      return light;
    }
    light.position = object_to_world_point(slot, light.position);
    light.direction = normalize(object_to_world_vector(slot, light.direction));
  }
  return light;
}

// ---- The frame's instances (two-level BVH) ----

struct InstanceSlot {
  to_object: mat3x4f,  // rows of the world-to-object 3x4 matrix
  to_world: mat3x4f,   // rows of the object-to-world 3x4 matrix
  root_node: u32,
  first_triangle: u32,
  triangle_count: u32,
  handedness: f32,     // sign of the transform's determinant: -1 mirrors, which turns the winding around;
                       // 0: the transform is singular (scaled to nothing), the instance is hidden
}

const INSTANCE_SLOT_VEC4S: u32 = 7u;

fn load_instance(index: u32) -> InstanceSlot {
  let base = params.instance_slot_base + INSTANCE_SLOT_VEC4S * index;
  let w = scene_frame[base + 6u];
  return InstanceSlot(
    mat3x4f(scene_frame[base], scene_frame[base + 1u], scene_frame[base + 2u]),
    mat3x4f(scene_frame[base + 3u], scene_frame[base + 4u], scene_frame[base + 5u]),
    bitcast<u32>(w.x), bitcast<u32>(w.y), bitcast<u32>(w.z), w.w);
}

// Row-major 3x4 matrices applied to points (w = 1) and vectors (w = 0): one dot product per row.
fn apply_point(rows: mat3x4f, p: vec3f) -> vec3f {
  let h = vec4f(p, 1.0);
  return vec3f(dot(rows[0], h), dot(rows[1], h), dot(rows[2], h));
}

fn apply_vector(rows: mat3x4f, v: vec3f) -> vec3f {
  return vec3f(dot(rows[0].xyz, v), dot(rows[1].xyz, v), dot(rows[2].xyz, v));
}

fn object_to_world_point(slot: InstanceSlot, p: vec3f) -> vec3f {
  return apply_point(slot.to_world, p);
}

fn object_to_world_vector(slot: InstanceSlot, v: vec3f) -> vec3f {
  return apply_vector(slot.to_world, v);
}

// Normals transform by the inverse transpose: n_world = transpose(A^-1) n, A^-1's rows weighted by n.
fn object_to_world_normal(slot: InstanceSlot, n: vec3f) -> vec3f {
  return n.x * slot.to_object[0].xyz + n.y * slot.to_object[1].xyz + n.z * slot.to_object[2].xyz;
}

fn load_tlas_node(index: u32) -> BvhNode {
  let a = scene_frame[2u * index];
  let b = scene_frame[2u * index + 1u];
  return BvhNode(a.xyz, bitcast<u32>(a.w), b.xyz, bitcast<u32>(b.w));
}

// Entry `i` of the top level's instance order: the instance a leaf slot names.
fn tlas_instance(i: u32) -> u32 {
  return bitcast<vec4u>(scene_frame[params.instance_order_base + i / 4u])[i % 4u];
}

// The instance holding packed triangle `triangle` (instances hold consecutive ranges, in instance order):
// the last one whose first triangle is at or before it, by binary search.
fn instance_of_triangle(triangle: u32) -> u32 {
  var lo = 0u;
  var hi = params.instance_count - 1u;
  while (lo < hi) {
    let mid = (lo + hi + 1u) / 2u;
    if (bitcast<u32>(scene_frame[params.instance_slot_base + INSTANCE_SLOT_VEC4S * mid + 6u].y) <= triangle) {
      lo = mid;
    } else {
      hi = mid - 1u;
    }
  }
  return lo;
}

struct PlacedLight {
  tri: Triangle,  // world space, wound so that cross(edge1, edge2) is its front normal
  area: f32,      // world-space area
}

// An emissive triangle of the light table, placed in the frame (lights.wgsl sample_light). Under a
// mirroring transform the edges are swapped so that the one-sided emission keeps facing its front.
fn place_light_triangle(triangle: u32, area: f32) -> PlacedLight {
  var tri = load_triangle(triangle);
  if (!frame_instanced()) {
    return PlacedLight(tri, area);
  }
  let slot = load_instance(instance_of_triangle(triangle));
  // A hidden instance's emitters give no light (sample_light drops a sample of zero area).
  if (slot.handedness == 0.0) {
    return PlacedLight(tri, 0.0);
  }
  tri.v0 = object_to_world_point(slot, tri.v0);
  let e1 = object_to_world_vector(slot, tri.edge1);
  let e2 = object_to_world_vector(slot, tri.edge2);
  let mirrored = slot.handedness < 0.0;
  tri.edge1 = select(e1, e2, mirrored);
  tri.edge2 = select(e2, e1, mirrored);
  return PlacedLight(tri, 0.5 * length(cross(e1, e2)));
}
