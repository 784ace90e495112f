// Materials: the glTF metallic-roughness BSDF (Lambert diffuse + GGX specular), smooth dielectric glass
// for transmission, and base-colour textures.
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

// A material as seen at one hit point: texture applied, parameters clamped to their meaningful ranges.
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

fn wrap_texel(i: i32, n: u32) -> u32 {
  let m = i % i32(n);
  return u32(select(m, m + i32(n), m < 0));
}

fn decode_texel(texel: u32) -> vec3f {
  return srgb_to_linear(unpack4x8unorm(texel).rgb);
}

// Base colour texture lookup with bilinear filtering and repeat wrapping, done by hand on the texel buffer:
// hardware samplers filter with implementation-defined precision (often 8 fractional bits), which would make
// the same path give different bits on different GPUs. Texels are decoded from sRGB before filtering, as a
// hardware sRGB texture would. Alpha is ignored (no alpha masking or blending).
fn sample_base_color_texture(index: u32, uv: vec2f) -> vec3f {
  let header = load_texture_header(index);
  if (header.width == 0u || header.height == 0u) {
    return vec3f(1.0);
  }
  let size = vec2f(f32(header.width), f32(header.height));
  // Wrap first so that large UVs keep their fractional precision. glTF UV (0, 0) is the top-left corner of
  // the image, which is also the first stored row, so v maps straight to rows.
  let p = (uv - floor(uv)) * size - 0.5;
  let p0 = floor(p);
  let f = p - p0;
  let i0 = vec2i(p0);
  let x0 = wrap_texel(i0.x, header.width);
  let x1 = wrap_texel(i0.x + 1, header.width);
  let y0 = wrap_texel(i0.y, header.height) * header.width + header.texel_offset;
  let y1 = wrap_texel(i0.y + 1, header.height) * header.width + header.texel_offset;
  let top = mix(decode_texel(load_texel(y0 + x0)), decode_texel(load_texel(y0 + x1)), f.x);
  let bottom = mix(decode_texel(load_texel(y1 + x0)), decode_texel(load_texel(y1 + x1)), f.x);
  return mix(top, bottom, f.y);
}

fn surface_at(material: Material, uv: vec2f) -> Surface {
  var base = max(material.base_color.rgb, vec3f(0.0));
  if (material.base_color_texture != NO_TEXTURE) {
    base *= sample_base_color_texture(material.base_color_texture, uv);
  }
  let roughness = clamp(material.roughness, 0.0, 1.0);
  let ior = max(material.ior, 1.0);
  let r = (ior - 1.0) / (ior + 1.0);
  return Surface(
    base,
    clamp(material.metallic, 0.0, 1.0),
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
