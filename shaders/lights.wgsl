// Light sources and their sampling: emissive triangles (chosen by the `lights` CDF, uniform on the
// triangle), the environment (uniform, a sky gradient or an importance-sampled map) and punctual lights
// (point, spot, directional).
//
// Light sampling at a surface point is one strategy over "all area and environment light": it picks the
// environment with probability environment_selection() and otherwise an emissive triangle. The pdfs below
// include that choice, so they can be compared with BSDF pdfs for multiple importance sampling.
//
//#include common.wgsl
//#include scene-bindings.wgsl
//#include environment-map.wgsl
//#include materials.wgsl

// ---- Environment ----

// Radiance arriving along a ray that leaves the scene in direction `dir` (unit length).
// Sky: above the horizon mix(horizon, zenith, sqrt(y)), below it mix(horizon, ground, sqrt(-y)), with y the
// direction's up (+y) component: continuous at the horizon, brightening towards it as real skies do.
fn environment_radiance(dir: vec3f) -> vec3f {
  switch (params.environment_type) {
    case ENVIRONMENT_UNIFORM: {
      return params.environment_a;
    }
    case ENVIRONMENT_SKY: {
      let y = clamp(dir.y, -1.0, 1.0);
      if (y >= 0.0) {
        return mix(params.environment_b, params.environment_a, sqrt(y));
      }
      return mix(params.environment_b, params.environment_c, sqrt(-y));
    }
    case ENVIRONMENT_MAP: {
      return environment_map_radiance(dir);
    }
    default: {
      return vec3f(0.0);
    }
  }
}

// Probability that light sampling picks the environment rather than an emissive triangle: 0 without an
// environment, 1 without emissive triangles, else an even split (the two are in unrelated units, so no
// power estimate would be better founded).
fn environment_selection() -> f32 {
  if (params.environment_type == ENVIRONMENT_NONE) {
    return 0.0;
  }
  return select(0.5, 1.0, params.light_count == 0u);
}

// A uniform or sky environment is sampled with a cosine-weighted hemisphere around the shading normal:
// exact for diffuse surfaces under a uniform sky, and cheap. A map is sampled by its own distribution
// (environment-map.wgsl), whatever the normal. The solid-angle pdf, selection included:
fn environment_pdf(normal: vec3f, dir: vec3f) -> f32 {
  if (params.environment_type == ENVIRONMENT_MAP) {
    return environment_selection() * environment_map_pdf(dir);
  }
  return environment_selection() * max(dot(normal, dir), 0.0) * INV_PI;
}

// ---- Emissive triangles ----

// The first light whose cumulative probability exceeds u: binary search of the CDF. Lights with zero
// probability share their predecessor's cumulative value and are never chosen.
fn find_light(u: f32) -> u32 {
  var lo = 0u;
  var hi = params.light_count - 1u;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (u < load_light(mid).cumulative) {
      hi = mid;
    } else {
      lo = mid + 1u;
    }
  }
  return lo;
}

// Solid-angle pdf with which light sampling reaches a point of an emissive triangle whose emitted luminance
// (Triangle.emitted_luminance: its average over the emissive texture footprint) is given, seen at `distance`
// under cos_light from its normal. The `lights` probabilities are area x that luminance over emissive_power
// (packScene), so per unit area the density is emitted_luminance / emissive_power: it is known from the
// triangle alone, without finding its entry in `lights`. A triangle left out of the CDF has 0.
fn emissive_pdf(emitted_luminance: f32, distance: f32, cos_light: f32) -> f32 {
  if (params.light_count == 0u || params.emissive_power <= 0.0 || cos_light <= 0.0) {
    return 0.0;
  }
  let area_pdf = emitted_luminance / params.emissive_power;
  return (1.0 - environment_selection()) * area_pdf * distance * distance / cos_light;
}

struct LightSample {
  wi: vec3f,         // unit direction from the shading point towards the light
  distance: f32,     // to the sampled point; NO_HIT for the environment
  radiance: vec3f,   // emitted radiance arriving along -wi (before visibility)
  pdf: f32,          // solid-angle pdf, selection included; 0 = no sample
}

// One light-sampling draw at `position` with shading normal `normal`. u.x picks environment or triangle,
// u.y the triangle (CDF), u.zw the point on it or the environment direction.
fn sample_light(position: vec3f, normal: vec3f, u: vec4f) -> LightSample {
  let p_env = environment_selection();
  if (u.x < p_env) {
    if (params.environment_type == ENVIRONMENT_MAP) {
      let map = sample_environment_map(u.zw);
      return LightSample(map.wi, NO_HIT, map.radiance, p_env * map.pdf);
    }
    let wi = cosine_sample_hemisphere(normal, u.zw);
    let pdf = environment_pdf(normal, wi);
    return LightSample(wi, NO_HIT, environment_radiance(wi), pdf);
  }
  if (params.light_count == 0u) {
    return LightSample(vec3f(0.0), 0.0, vec3f(0.0), 0.0);
  }
  let light = load_light(find_light(u.y));
  // Where the frame puts the triangle (scene-bindings.wgsl; a still scene's packed triangle as it is).
  let placed = place_light_triangle(light.triangle, light.area);
  let tri = placed.tri;
  // Uniform on the triangle: (1 - sqrt(r1), sqrt(r1) (1 - r2), sqrt(r1) r2) barycentrics.
  let su = sqrt(u.z);
  let bu = su * (1.0 - u.w);
  let bv = su * u.w;
  let point = tri.v0 + bu * tri.edge1 + bv * tri.edge2;
  let to_light = point - position;
  let dist2 = dot(to_light, to_light);
  if (dist2 <= 0.0 || placed.area <= 0.0) {
    return LightSample(vec3f(0.0), 0.0, vec3f(0.0), 0.0);
  }
  let distance = sqrt(dist2);
  let wi = to_light / distance;
  // Emission is one-sided: from the face whose normal is cross(edge1, edge2) (counter-clockwise winding).
  let cos_light = -dot(normalize(cross(tri.edge1, tri.edge2)), wi);
  if (cos_light <= 0.0) {
    return LightSample(vec3f(0.0), 0.0, vec3f(0.0), 0.0);
  }
  let material = load_material(tri.material);
  let pdf = (1.0 - p_env) * light.probability / placed.area * dist2 / cos_light;
  // The emission at the sampled point (its emissive texture), while the choice followed the average; an
  // alpha-tested emitter gives it in the share camera rays see of it (emitter_coverage).
  let emitted = emission_at(light.triangle, material, bu, bv) * emitter_coverage(light.triangle, material, bu, bv);
  return LightSample(wi, distance, emitted, pdf);
}

// ---- Punctual lights (delta: reached by light sampling only, never by BSDF rays) ----

struct PunctualSample {
  wi: vec3f,         // unit direction towards the light
  distance: f32,     // NO_HIT for directional lights
  irradiance: vec3f, // arriving at a surface facing the light, divided by the selection probability
}

// One punctual light, chosen uniformly by u, as seen from `position`. KHR_lights_punctual semantics:
// inverse-square falloff for point and spot lights, windowed to zero at `range` where the light has one by
// the spec's recommended clamp(1 - (d / range)^4, 0, 1)^2; and the recommended smooth cone falloff for
// spots, t² with t = clamp((cos - cos_outer) / max(0.001, cos_inner - cos_outer), 0, 1).
fn sample_punctual(position: vec3f, u: f32) -> PunctualSample {
  let count = params.punctual_count;
  let index = min(u32(u * f32(count)), count - 1u);
  let light = load_punctual(index);
  let scale = f32(count);
  if (light.kind == PUNCTUAL_DIRECTIONAL) {
    return PunctualSample(-light.direction, NO_HIT, light.intensity * scale);
  }
  let to_light = light.position - position;
  let dist2 = dot(to_light, to_light);
  if (dist2 <= 0.0) {
    return PunctualSample(vec3f(0.0, 1.0, 0.0), 0.0, vec3f(0.0));
  }
  let distance = sqrt(dist2);
  let wi = to_light / distance;
  var falloff = 1.0;
  if (light.kind == PUNCTUAL_SPOT) {
    let cone_scale = 1.0 / max(0.001, light.inner_cone_cos - light.outer_cone_cos);
    let t = clamp((dot(light.direction, -wi) - light.outer_cone_cos) * cone_scale, 0.0, 1.0);
    falloff = t * t;
  }
  if (light.range > 0.0) {
    let ratio2 = dist2 / (light.range * light.range);
    let window = clamp(1.0 - ratio2 * ratio2, 0.0, 1.0);
    falloff *= window * window;
  }
  return PunctualSample(wi, distance, light.intensity * (falloff * scale / dist2));
}
