// The equirectangular environment map (Params.environment_type = ENVIRONMENT_MAP) and its importance
// sampling: a piecewise-constant 2D distribution over the image (PBRT's Distribution2D), prepared on the
// host by lib/render/environment-map.ts, which documents the three tables.
//
// The tables are textures read with textureLoad: exact texel fetches (no hardware filtering, no sampler),
// and textures do not count against the 8 storage buffers the scene already uses (scene-bindings.wgsl).
// Lookups are nearest-texel, which is what the piecewise-constant distribution's pdf describes: sampling
// and evaluation agree exactly.
//
// Directions (three.js's equirectangular convention): column u = atan2(z, x) / 2π + ½ + rotation (turns,
// wrapped), row v = acos(y) / π, top row +y. Without a map, 1 x 1 placeholders are bound and never read.
//
//#include common.wgsl
//#include params.wgsl

// rgb: linear radiance; a: density over the unit square, f(texel) / mean(f).
@group(0) @binding(9) var environment_map: texture_2d<f32>;
// (width + 1) x height: row y's CDF over its columns.
@group(0) @binding(10) var environment_conditional: texture_2d<f32>;
// (height + 1) x 1: the CDF over rows.
@group(0) @binding(11) var environment_marginal: texture_2d<f32>;

struct MapSample {
  wi: vec3f,
  radiance: vec3f,
  pdf: f32,  // solid angle, map only (selection not included)
}

// The index i in [0, n) with cdf(i) <= u < cdf(i + 1): binary search. cdf(0) = 0 and cdf(n) = 1 > u, so the
// interval found has positive width (an empty texel is never chosen).
fn search_marginal(u: f32, n: u32) -> u32 {
  var lo = 0u;
  var hi = n;
  while (hi - lo > 1u) {
    let mid = (lo + hi) / 2u;
    if (textureLoad(environment_marginal, vec2u(mid, 0u), 0).x <= u) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

fn search_conditional(u: f32, n: u32, row: u32) -> u32 {
  var lo = 0u;
  var hi = n;
  while (hi - lo > 1u) {
    let mid = (lo + hi) / 2u;
    if (textureLoad(environment_conditional, vec2u(mid, row), 0).x <= u) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Solid-angle pdf of a map texel's density `density` at a direction whose polar sine is sin_theta.
fn map_solid_angle_pdf(density: f32, sin_theta: f32) -> f32 {
  if (sin_theta <= 0.0) {
    return 0.0;
  }
  return density / (2.0 * PI * PI * sin_theta);
}

// The texel a direction falls in.
fn environment_map_texel(dir: vec3f) -> vec2u {
  let size = params.environment_map_size;
  let turns = atan2(dir.z, dir.x) * (0.5 * INV_PI) + 0.5 + params.environment_rotation;
  let u = turns - floor(turns);
  let v = acos(clamp(dir.y, -1.0, 1.0)) * INV_PI;
  return min(vec2u(vec2f(u, v) * vec2f(size)), size - 1u);
}

fn environment_map_radiance(dir: vec3f) -> vec3f {
  return textureLoad(environment_map, environment_map_texel(dir), 0).rgb * params.environment_a;
}

fn environment_map_pdf(dir: vec3f) -> f32 {
  let density = textureLoad(environment_map, environment_map_texel(dir), 0).a;
  let y = clamp(dir.y, -1.0, 1.0);
  return map_solid_angle_pdf(density, sqrt(max(0.0, 1.0 - y * y)));
}

// A direction drawn in proportion to the map's luminance (u: two uniform lanes), with the radiance and
// density of the texel it was drawn from.
fn sample_environment_map(u: vec2f) -> MapSample {
  let size = params.environment_map_size;
  let row = search_marginal(u.x, size.y);
  let row_lo = textureLoad(environment_marginal, vec2u(row, 0u), 0).x;
  let row_hi = textureLoad(environment_marginal, vec2u(row + 1u, 0u), 0).x;
  let v = (f32(row) + clamp((u.x - row_lo) / (row_hi - row_lo), 0.0, 1.0)) / f32(size.y);
  let column = search_conditional(u.y, size.x, row);
  let col_lo = textureLoad(environment_conditional, vec2u(column, row), 0).x;
  let col_hi = textureLoad(environment_conditional, vec2u(column + 1u, row), 0).x;
  let s = (f32(column) + clamp((u.y - col_lo) / (col_hi - col_lo), 0.0, 1.0)) / f32(size.x);
  let phi = 2.0 * PI * (s - params.environment_rotation - 0.5);
  let theta = PI * v;
  let sin_theta = sin(theta);
  let wi = vec3f(sin_theta * cos(phi), cos(theta), sin_theta * sin(phi));
  let texel = textureLoad(environment_map, vec2u(column, row), 0);
  return MapSample(wi, texel.rgb * params.environment_a, map_solid_angle_pdf(texel.a, sin_theta));
}
