// Materials: the glTF metallic-roughness BSDF (Lambert diffuse + GGX specular), smooth dielectric glass
// for transmission, and the glTF texture slots (base colour with alpha, metallic-roughness, normal,
// emissive) with their samplers, UV sets and KHR_texture_transform.
//
// BSDF functions work in a local shading frame: z is the shading normal, turned to the side the path
// arrives from, so wo.z > 0. A direction with z <= 0 is below the surface.
//
//#include common.wgsl
//#include scene-bindings.wgsl

// GGX alpha below which specular reflection is a perfect mirror (a delta lobe). Below it the GGX peak
// (1 / (pi alpha^2) > 3e5) is too narrow to hit by light sampling and too steep for float32 to evaluate
// stably; a mirror is what such a surface looks like anyway.
const SMOOTH_ALPHA: f32 = 1e-3;

// A material as seen at one hit point: textures applied, parameters clamped to their meaningful ranges.
struct Surface {
  base_color: vec3f,
  metallic: f32,
  alpha: f32,         // GGX alpha = roughness^2
  transmission: f32,
  ior: f32,
  specular_f0: f32,   // dielectric reflectance at normal incidence, ((ior - 1) / (ior + 1))^2
}

fn srgb_to_linear(c: vec3f) -> vec3f {
  let low = c * (1.0 / 12.92);
  let high = pow((c + 0.055) * (1.0 / 1.055), vec3f(2.4));
  return select(high, low, c <= vec3f(0.04045));
}

// ---- Textures ----
//
// Lookups are done by hand on the texel buffer, nearest or bilinear as the glTF sampler's magFilter says:
// hardware samplers filter with implementation-defined precision (often 8 fractional bits), which would make
// the same path give different bits on different GPUs. There are no mip levels: the many jittered samples a
// pixel averages filter minification already. Colour textures are decoded from sRGB before filtering, as a
// hardware sRGB texture would; alpha and the data textures (metallic-roughness, normal) are linear.

// A texture coordinate reduced to one period of its wrap mode before scaling by the size, so that large
// UVs keep their fractional precision: [0, 1) for repeat, [0, 2) for mirror; clamp only bounds it.
fn reduce_coordinate(x: f32, mode: u32) -> f32 {
  if (mode == WRAP_MIRROR) {
    return x - 2.0 * floor(x * 0.5);
  }
  if (mode == WRAP_CLAMP) {
    return clamp(x, -1.0, 2.0);
  }
  return x - floor(x);
}

// Texel index i along an axis of n texels under a wrap mode (glTF REPEAT, CLAMP_TO_EDGE, MIRRORED_REPEAT).
fn wrap_texel(i: i32, n: u32, mode: u32) -> u32 {
  let size = i32(n);
  if (mode == WRAP_CLAMP) {
    return u32(clamp(i, 0, size - 1));
  }
  if (mode == WRAP_MIRROR) {
    let period = 2 * size;
    var m = i % period;
    m = select(m, m + period, m < 0);
    return u32(select(period - 1 - m, m, m < size));
  }
  let m = i % size;
  return u32(select(m, m + size, m < 0));
}

fn fetch_texel(header: TextureHeader, x: u32, y: u32, srgb: bool) -> vec4f {
  let c = unpack4x8unorm(load_texel(header.texel_offset + y * header.width + x));
  if (srgb) {
    return vec4f(srgb_to_linear(c.rgb), c.a);
  }
  return c;
}

// The texture of `slot` at the hit's UV sets (the slot picks one and applies its KHR_texture_transform).
// glTF UV (0, 0) is the top-left corner of the image, which is also the first stored row, so v maps
// straight to rows.
fn sample_texture(slot: TextureSlot, uv0: vec2f, uv1: vec2f, srgb: bool) -> vec4f {
  let header = load_texture_header(slot.texture);
  if (header.width == 0u || header.height == 0u) {
    return vec4f(1.0);
  }
  let source = vec3f(select(uv0, uv1, (slot.sampler & 1u) != 0u), 1.0);
  let wrap_s = (slot.sampler >> 1u) & 3u;
  let wrap_t = (slot.sampler >> 3u) & 3u;
  let uv = vec2f(
    reduce_coordinate(dot(slot.transform_u, source), wrap_s),
    reduce_coordinate(dot(slot.transform_v, source), wrap_t),
  );
  let size = vec2f(f32(header.width), f32(header.height));
  if ((slot.sampler & 32u) != 0u) {
    let i = vec2i(floor(uv * size));
    return fetch_texel(header, wrap_texel(i.x, header.width, wrap_s), wrap_texel(i.y, header.height, wrap_t), srgb);
  }
  let p = uv * size - 0.5;
  let p0 = floor(p);
  let f = p - p0;
  let i0 = vec2i(p0);
  let x0 = wrap_texel(i0.x, header.width, wrap_s);
  let x1 = wrap_texel(i0.x + 1, header.width, wrap_s);
  let y0 = wrap_texel(i0.y, header.height, wrap_t);
  let y1 = wrap_texel(i0.y + 1, header.height, wrap_t);
  let top = mix(fetch_texel(header, x0, y0, srgb), fetch_texel(header, x1, y0, srgb), f.x);
  let bottom = mix(fetch_texel(header, x0, y1, srgb), fetch_texel(header, x1, y1, srgb), f.x);
  return mix(top, bottom, f.y);
}

// The UV sets at a hit; TEXCOORD_1 is read only for materials that use it.
struct HitUvs {
  uv0: vec2f,
  uv1: vec2f,
}

fn hit_uvs(triangle: u32, material: Material, uv0: vec2f, u: f32, v: f32) -> HitUvs {
  if ((material.flags & MATERIAL_USES_TEXCOORD_1) != 0u) {
    return HitUvs(uv0, load_uv1(triangle, u, v));
  }
  return HitUvs(uv0, uv0);
}

// Coverage (glTF alpha: factor x base colour texture alpha x COLOR_0 alpha) at barycentrics (u, v).
fn surface_alpha(triangle: u32, material: Material, u: f32, v: f32) -> f32 {
  var alpha = material.base_color.a;
  if (has_texture(material, SLOT_BASE_COLOR)) {
    let uvs = hit_uvs(triangle, material, load_shading(triangle, u, v).uv, u, v);
    alpha *= sample_texture(load_texture_slot(material.index, SLOT_BASE_COLOR), uvs.uv0, uvs.uv1, true).a;
  }
  if (SCENE_VERTEX_COLORS && (material.flags & MATERIAL_VERTEX_COLORS) != 0u) {
    alpha *= load_vertex_color(triangle, u, v).a;
  }
  return alpha;
}

// Emitted radiance at barycentrics (u, v): emissive factor (with strength) x emissive texture.
fn emission_at(triangle: u32, material: Material, u: f32, v: f32) -> vec3f {
  if (!has_texture(material, SLOT_EMISSIVE)) {
    return material.emissive;
  }
  let uvs = hit_uvs(triangle, material, load_shading(triangle, u, v).uv, u, v);
  return material.emissive * sample_texture(load_texture_slot(material.index, SLOT_EMISSIVE), uvs.uv0, uvs.uv1, true).rgb;
}

// The share of an emitter's light that reaches a light sample's target through its own alpha: camera and
// BSDF rays stop on a MASK surface only where alpha >= alphaCutoff and on a BLEND one with probability
// alpha (bvh.wgsl, hit_counts), and emission is added only where they stop. A shadow ray towards a sampled
// point on the emitter stops short of it (SHADOW_REACH), so light sampling weighs the emission by the same
// coverage instead; both strategies then estimate the same alpha x emission, as MIS needs. The light CDF
// itself ignores alpha (a transparent part is drawn and gives nothing: noise, not bias).
fn emitter_coverage(triangle: u32, material: Material, u: f32, v: f32) -> f32 {
  let mode = material.flags & 3u;
  if (!SCENE_PASS_THROUGH || mode == ALPHA_OPAQUE) {
    return 1.0;
  }
  let alpha = surface_alpha(triangle, material, u, v);
  if (mode == ALPHA_MASK) {
    return select(0.0, 1.0, alpha >= material.alpha_cutoff);
  }
  return clamp(alpha, 0.0, 1.0);
}

// A surface as a hit sees it: the BSDF parameters after textures and vertex colours, and the shading
// normal after normal mapping. The normal is on the side of the file's vertex normals, not yet turned
// towards the viewer. Every kernel that shades a hit goes through here (the path tracer; a first-hit
// albedo/normal pass for denoising can reuse it).
struct HitSurface {
  surface: Surface,
  normal: vec3f,
}

fn shade_hit(triangle: u32, material: Material, u: f32, v: f32) -> HitSurface {
  let shading = load_shading(triangle, u, v);
  var normal = normalize(shading.normal);
  let textured = SCENE_TEXTURE_SLOTS != 0u && (material.flags & (15u * MATERIAL_SLOT_BIT)) != 0u;
  let uvs = hit_uvs(triangle, material, shading.uv, u, v);
  var base = max(material.base_color.rgb, vec3f(0.0));
  var metallic = material.metallic;
  var roughness = material.roughness;
  if (textured) {
    if (has_texture(material, SLOT_BASE_COLOR)) {
      base *= sample_texture(load_texture_slot(material.index, SLOT_BASE_COLOR), uvs.uv0, uvs.uv1, true).rgb;
    }
    if (has_texture(material, SLOT_METALLIC_ROUGHNESS)) {
      // glTF: metalness in B, roughness in G, both linear.
      let mr = sample_texture(load_texture_slot(material.index, SLOT_METALLIC_ROUGHNESS), uvs.uv0, uvs.uv1, false);
      metallic *= mr.b;
      roughness *= mr.g;
    }
    if (has_texture(material, SLOT_NORMAL)) {
      normal = normal_mapped(triangle, material, normal, uvs, u, v);
    }
  }
  if (SCENE_VERTEX_COLORS && (material.flags & MATERIAL_VERTEX_COLORS) != 0u) {
    base *= max(load_vertex_color(triangle, u, v).rgb, vec3f(0.0));
  }
  return HitSurface(surface_from(material, base, metallic, roughness), normal);
}

// glTF normal map: tangent-space RGB -> [-1, 1]^3, XY scaled by normalTexture.scale, in the frame
// (T, B = cross(N, T) w, N) with T orthogonalised against the interpolated normal. A degenerate frame or
// result keeps the interpolated normal.
fn normal_mapped(triangle: u32, material: Material, n: vec3f, uvs: HitUvs, u: f32, v: f32) -> vec3f {
  let tangent = load_tangent(triangle, u, v);
  let t_raw = tangent.xyz - n * dot(n, tangent.xyz);
  let t_len = length(t_raw);
  if (!(t_len > 1e-8)) {
    return n;
  }
  let slot = load_texture_slot(material.index, SLOT_NORMAL);
  let frame = transformed_tangent_frame(slot, t_raw / t_len, cross(n, t_raw / t_len) * tangent.w);
  let t = frame[0];
  let b = frame[1];
  let texel = sample_texture(slot, uvs.uv0, uvs.uv1, false).xyz;
  let m = texel * 2.0 - 1.0;
  let mapped = t * (m.x * material.normal_scale) + b * (m.y * material.normal_scale) + n * m.z;
  let len = length(mapped);
  return select(n, mapped / len, len > 1e-8);
}

// The tangent frame of the normal texture's own coordinates under its KHR_texture_transform. T points
// along +u and B along -v (glTF's bitangent points to the top of the image); a normal map's X and Y are
// along the directions in which the TRANSFORMED coordinates (u', v') grow, so a rotated or mirrored
// transform turns the frame with it. With uv' = M uv + o, M = [[a, b], [d, e]] (slot.transform_u.xy,
// slot.transform_v.xy), in (u, -v) coordinates M becomes [[a, -b], [-d, e]], whose inverse gives
// dP/du' ∝ e T + d B and dP/d(-v') ∝ b T + a B, both divided by det M = a e - b d (its sign keeps a mirror
// a mirror; its size is normalised away). Transforms without rotation or mirroring (the common scale and
// offset) keep the file's frame exactly, bit for bit.
fn transformed_tangent_frame(slot: TextureSlot, t: vec3f, b: vec3f) -> array<vec3f, 2> {
  let a = slot.transform_u.x;
  let c = slot.transform_u.y;
  let d = slot.transform_v.x;
  let e = slot.transform_v.y;
  if (c == 0.0 && d == 0.0 && a > 0.0 && e > 0.0) {
    return array<vec3f, 2>(t, b);
  }
  let s = select(1.0, -1.0, a * e - c * d < 0.0);
  let t2 = (e * t + d * b) * s;
  let b2 = (c * t + a * b) * s;
  let lt = length(t2);
  let lb = length(b2);
  if (!(lt > 1e-8) || !(lb > 1e-8)) {
    return array<vec3f, 2>(t, b);
  }
  return array<vec3f, 2>(t2 / lt, b2 / lb);
}

// The BSDF parameters, clamped to their meaningful ranges.
fn surface_from(material: Material, base: vec3f, metallic: f32, roughness_in: f32) -> Surface {
  let roughness = clamp(roughness_in, 0.0, 1.0);
  let ior = max(material.ior, 1.0);
  let r = (ior - 1.0) / (ior + 1.0);
  return Surface(
    base,
    clamp(metallic, 0.0, 1.0),
    roughness * roughness,
    clamp(material.transmission, 0.0, 1.0),
    ior,
    r * r,
  );
}

// ---- GGX microfacet distribution (Trowbridge-Reitz), with a2 = alpha^2 ----

fn ggx_d(n_dot_h: f32, a2: f32) -> f32 {
  let d = n_dot_h * n_dot_h * (a2 - 1.0) + 1.0;
  return a2 / (PI * d * d);
}

// Smith masking of one direction: G1 = 1 / (1 + Lambda) = 2 cos / (cos + sqrt(a2 + (1 - a2) cos^2)).
fn ggx_g1(cos_theta: f32, a2: f32) -> f32 {
  return 2.0 * cos_theta / (cos_theta + sqrt(a2 + (1.0 - a2) * cos_theta * cos_theta));
}

// Height-correlated Smith masking-shadowing G2 = 1 / (1 + Lambda(o) + Lambda(i)) (Heitz 2014).
fn ggx_g2(cos_o: f32, cos_i: f32, a2: f32) -> f32 {
  let so = sqrt(a2 + (1.0 - a2) * cos_o * cos_o);
  let si = sqrt(a2 + (1.0 - a2) * cos_i * cos_i);
  return 2.0 * cos_o * cos_i / (cos_i * so + cos_o * si);
}

// A microfacet normal drawn from the distribution of normals visible from wo (Heitz, "Sampling the GGX
// Distribution of Visible Normals", JCGT 2018), isotropic alpha.
fn sample_ggx_vndf(wo: vec3f, alpha: f32, u: vec2f) -> vec3f {
  let vh = normalize(vec3f(alpha * wo.x, alpha * wo.y, wo.z));
  let len_sq = vh.x * vh.x + vh.y * vh.y;
  let t1 = select(vec3f(1.0, 0.0, 0.0), vec3f(-vh.y, vh.x, 0.0) * inverseSqrt(len_sq), len_sq > 0.0);
  let t2 = cross(vh, t1);
  let r = sqrt(u.x);
  let phi = 2.0 * PI * u.y;
  let p1 = r * cos(phi);
  let s = 0.5 * (1.0 + vh.z);
  let p2 = (1.0 - s) * sqrt(max(0.0, 1.0 - p1 * p1)) + s * r * sin(phi);
  let nh = p1 * t1 + p2 * t2 + sqrt(max(0.0, 1.0 - p1 * p1 - p2 * p2)) * vh;
  return normalize(vec3f(alpha * nh.x, alpha * nh.y, max(0.0, nh.z)));
}

// Solid-angle pdf of wi = reflect(-wo, h) when h is drawn by sample_ggx_vndf: G1(wo) D(h) / (4 wo.z).
fn ggx_reflection_pdf(wo: vec3f, h: vec3f, a2: f32) -> f32 {
  return ggx_g1(wo.z, a2) * ggx_d(h.z, a2) / (4.0 * wo.z);
}

// Schlick's Fresnel from f0 at normal incidence to f90 at grazing incidence.
fn fresnel_schlick(f0: vec3f, f90: f32, cos_theta: f32) -> vec3f {
  // x^5 by multiplication: pow(0, 5) is implementation-defined in WGSL (it may be computed as exp2(5 log2 0)).
  let x = clamp(1.0 - cos_theta, 0.0, 1.0);
  let x2 = x * x;
  let k = x2 * x2 * x;
  return f0 + (vec3f(f90) - f0) * k;
}

// ---- The opaque metallic-roughness BSDF (glTF 2.0, Appendix B "Implementation") ----
//
//   F0 = mix(f0_dielectric, baseColor, metallic)  (f0_dielectric = ((ior - 1) / (ior + 1))^2 = 0.04 at the
//        default ior 1.5, KHR_materials_ior)
//   F  = Schlick(F0, F90, wo . h), F90 = min(1, 50 luminance(F0))
//   f  = (1 - F) (1 - metallic) baseColor / pi  +  F D G2 / (4 cos_o cos_i)
//
// Single scattering only: energy lost between microfacets at high roughness is not re-added (a white
// rough metal returns somewhat less than it receives; see the GGX furnace test).

fn specular_f0(s: Surface) -> vec3f {
  return mix(vec3f(s.specular_f0), s.base_color, s.metallic);
}

// Grazing reflectance. glTF's Schlick uses 1, which makes even an ior-1 dielectric (F0 = 0, physically no
// interface) reflect at grazing angles. Fading F90 out below F0 = 0.02 (Filament's rule; water is 0.02, so
// every real material keeps F90 = 1) makes ior = 1 an exact Lambertian surface, which the tests rely on.
fn specular_f90(f0: vec3f) -> f32 {
  return clamp(50.0 * luminance(f0), 0.0, 1.0);
}

// Probability of drawing the specular lobe rather than the diffuse one: their estimated albedos at wo.
fn specular_probability(s: Surface, cos_o: f32) -> f32 {
  let f0 = specular_f0(s);
  let f = fresnel_schlick(f0, specular_f90(f0), cos_o);
  let spec = luminance(f);
  let diffuse = luminance((vec3f(1.0) - f) * (1.0 - s.metallic) * s.base_color);
  return select(1.0, spec / (spec + diffuse), spec + diffuse > 0.0);
}

// Whether the opaque BSDF has any non-delta part, i.e. whether light sampling can contribute.
fn has_smooth_density(s: Surface, cos_o: f32) -> bool {
  return s.alpha >= SMOOTH_ALPHA || specular_probability(s, cos_o) < 1.0;
}

struct BsdfEval {
  f: vec3f,   // BSDF value (without the cosine); delta lobes excluded
  pdf: f32,   // solid-angle pdf with which opaque_sample would draw wi
}

fn opaque_eval(s: Surface, wo: vec3f, wi: vec3f) -> BsdfEval {
  if (wi.z <= 0.0 || wo.z <= 0.0) {
    return BsdfEval(vec3f(0.0), 0.0);
  }
  let p_spec = specular_probability(s, wo.z);
  let f0 = specular_f0(s);
  let diffuse_color = (1.0 - s.metallic) * s.base_color * INV_PI;
  if (s.alpha < SMOOTH_ALPHA) {
    // The mirror lobe is a delta: only the diffuse part has a density. Its Fresnel factor uses the normal
    // (the only half vector a mirror has), matching opaque_sample.
    let f = (vec3f(1.0) - fresnel_schlick(f0, specular_f90(f0), wo.z)) * diffuse_color;
    return BsdfEval(f, (1.0 - p_spec) * wi.z * INV_PI);
  }
  let h = normalize(wo + wi);
  let a2 = s.alpha * s.alpha;
  let fresnel = fresnel_schlick(f0, specular_f90(f0), max(dot(wo, h), 0.0));
  let specular = fresnel * (ggx_d(h.z, a2) * ggx_g2(wo.z, wi.z, a2) / (4.0 * wo.z * wi.z));
  let f = (vec3f(1.0) - fresnel) * diffuse_color + specular;
  let pdf = p_spec * ggx_reflection_pdf(wo, h, a2) + (1.0 - p_spec) * wi.z * INV_PI;
  return BsdfEval(f, pdf);
}

struct BsdfSample {
  wi: vec3f,
  weight: vec3f,     // f cos / pdf for non-delta samples; the lobe's weight for delta ones
  pdf: f32,          // solid-angle pdf (0 for delta samples: they take no part in MIS)
  is_delta: bool,    // a mirror reflection or a glass reflection or refraction
  transmitted: bool, // wi is on the other side of the surface
  valid: bool,       // false: the path ends (sample below the surface, or zero weight)
}

const NO_SAMPLE = BsdfSample(vec3f(0.0), vec3f(0.0), 0.0, false, false, false);

// Draws a lobe with u.x (specular with specular_probability, else diffuse), then a direction with u.yz.
// The weight of a rough sample divides the whole BSDF by the combined pdf of both lobes (one-sample MIS over
// lobes), so it stays bounded where either lobe alone would be a poor fit.
fn opaque_sample(s: Surface, wo: vec3f, u: vec3f) -> BsdfSample {
  let p_spec = specular_probability(s, wo.z);
  let choose_specular = u.x < p_spec;
  if (s.alpha < SMOOTH_ALPHA && choose_specular) {
    let wi = vec3f(-wo.x, -wo.y, wo.z);
    let f0 = specular_f0(s);
    let weight = fresnel_schlick(f0, specular_f90(f0), wo.z) / p_spec;
    return BsdfSample(wi, weight, 0.0, true, false, true);
  }
  var wi: vec3f;
  if (choose_specular) {
    let h = sample_ggx_vndf(wo, s.alpha, u.yz);
    wi = reflect(-wo, h);
  } else {
    let r = sqrt(u.y);
    let phi = 2.0 * PI * u.z;
    wi = vec3f(r * cos(phi), r * sin(phi), sqrt(max(0.0, 1.0 - u.y)));
  }
  let eval = opaque_eval(s, wo, wi);
  if (eval.pdf <= 0.0) {
    return NO_SAMPLE;
  }
  return BsdfSample(wi, eval.f * (wi.z / eval.pdf), eval.pdf, false, false, true);
}

// ---- Smooth dielectric (glass) ----
//
// Exact Fresnel reflectance of a smooth dielectric interface; eta = ior on the incident side / ior on the
// transmitted side. Returns 1 under total internal reflection.
fn fresnel_dielectric(cos_i: f32, eta: f32) -> f32 {
  let sin2_t = eta * eta * max(0.0, 1.0 - cos_i * cos_i);
  if (sin2_t >= 1.0) {
    return 1.0;
  }
  let cos_t = sqrt(1.0 - sin2_t);
  let rs = (eta * cos_i - cos_t) / (eta * cos_i + cos_t);
  let rp = (cos_i - eta * cos_t) / (cos_i + eta * cos_t);
  return 0.5 * (rs * rs + rp * rp);
}

// Glass as a perfectly smooth interface: reflect with probability F, refract otherwise, so the Fresnel
// factors cancel and the weight is 1 (reflection) or baseColor (refraction, glTF's transmission tint).
// Roughness is ignored here: rough glass renders as smooth glass (a simplification of
// KHR_materials_transmission, whose rough transmission needs a microfacet BTDF). `entering`: the path
// arrives on the front face, i.e. from outside the object, as glTF's outward winding defines it.
fn glass_sample(s: Surface, wo: vec3f, entering: bool, u: f32) -> BsdfSample {
  let eta = select(s.ior, 1.0 / s.ior, entering);
  let f = fresnel_dielectric(wo.z, eta);
  if (u < f) {
    return BsdfSample(vec3f(-wo.x, -wo.y, wo.z), vec3f(1.0), 0.0, true, false, true);
  }
  let cos_t = sqrt(max(0.0, 1.0 - eta * eta * (1.0 - wo.z * wo.z)));
  let wi = vec3f(-eta * wo.x, -eta * wo.y, -cos_t);
  // Radiance is compressed into the denser medium: (eta_o / eta_i)^2 = eta^2 for a path traced from the
  // camera (pbrt's TransportMode::Radiance). Through a closed object the two factors cancel.
  return BsdfSample(wi, s.base_color * (eta * eta), 0.0, true, true, true);
}
