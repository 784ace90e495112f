// The requestor's denoised preview (lib/render/denoise.ts): an edge-aware à-trous wavelet filter (Dammertz
// et al., "Edge-Avoiding À-Trous Wavelet Transform for fast Global Illumination Filtering", HPG 2010), with
// the variance-guided luminance weight of SVGF (Schied et al., HPG 2017). It filters demodulated
// irradiance (radiance / albedo) so that texture detail, which lives in the albedo, is never blurred; the
// result is remodulated at the end. A preview only: nothing here feeds a verified result.
//
// Three entry points over the same bindings, run by the host in order:
//   demodulate   noisy radiance and its variance -> irradiance and its variance
//   atrous       one filter iteration at the step in params (1, 2, 4, 8, 16), ping-ponging two buffers
//   remodulate   irradiance -> radiance
// Pixel format (`input`, `output`): rgb, variance of the luminance of the pixel's mean; a negative variance
// marks a pixel with no samples yet, which neither takes nor gives weight.
//
//#include common.wgsl

override WORKGROUP_X: u32 = 8u;
override WORKGROUP_Y: u32 = 8u;

struct DenoiseParams {
  size: vec2u,  // image width, height
  step: u32,    // à-trous step in pixels of this iteration
  _pad: u32,
}

@group(0) @binding(0) var<uniform> params: DenoiseParams;
// Two vec4f per pixel (shaders/guides.wgsl): [0] = albedo rgb, distance; [1] = normal xyz, emitter share.
@group(0) @binding(1) var<storage, read> guides: array<vec4f>;
@group(0) @binding(2) var<storage, read> input: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> output: array<vec4f>;

// Edge-stopping strengths, SVGF's published values: luminance in standard deviations, normals as the power
// of their cosine, distance in multiples of the surface's own depth slope along the offset.
const SIGMA_LUMINANCE: f32 = 4.0;
const SIGMA_DISTANCE: f32 = 1.0;
// Albedo differences (per unit of colour distance): demodulation already keeps texture, so this only
// separates materials whose irradiance differs (a glossy and a matte surface side by side).
const SIGMA_ALBEDO: f32 = 0.25;
// Demodulation divides by at least this much albedo: a black surface can still reflect (its specular lobe),
// and its radiance must survive the round trip unchanged.
const ALBEDO_FLOOR: f32 = 0.01;

// The B3-spline kernel of the à-trous transform, 5 taps.
const KERNEL = array<f32, 3>(0.375, 0.25, 0.0625);

fn pixel_index(p: vec2i) -> u32 {
  return u32(p.y) * params.size.x + u32(p.x);
}

fn inside(p: vec2i) -> bool {
  return p.x >= 0 && p.y >= 0 && p.x < i32(params.size.x) && p.y < i32(params.size.y);
}

fn demodulation_albedo(index: u32) -> vec3f {
  return max(guides[2u * index].rgb, vec3f(ALBEDO_FLOOR));
}

// The depth of a pixel's surface, and 0 for background.
fn distance_at(p: vec2i) -> f32 {
  return guides[2u * pixel_index(p)].w;
}

// The screen-space slope of the surface's distance at p, by central differences where both neighbours
// lie on a surface, else one-sided, else 0.
fn distance_slope(p: vec2i, z: f32) -> vec2f {
  var slope = vec2f(0.0);
  for (var axis = 0; axis < 2; axis++) {
    let d = select(vec2i(0, 1), vec2i(1, 0), axis == 0);
    let a = p - d;
    let b = p + d;
    let za = select(0.0, distance_at(a), inside(a));
    let zb = select(0.0, distance_at(b), inside(b));
    var g = 0.0;
    if (za > 0.0 && zb > 0.0) {
      g = 0.5 * (zb - za);
    } else if (zb > 0.0) {
      g = zb - z;
    } else if (za > 0.0) {
      g = z - za;
    }
    slope[axis] = g;
  }
  return slope;
}

// cos^128 by squaring: pow() of 0 is implementation-defined in WGSL.
fn normal_weight(np: vec3f, nq: vec3f) -> f32 {
  var c = max(dot(np, nq), 0.0);
  for (var i = 0; i < 7; i++) {
    c = c * c;
  }
  return c;
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn demodulate(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= params.size.x || id.y >= params.size.y) {
    return;
  }
  let index = id.y * params.size.x + id.x;
  let noisy = input[index];
  let albedo = demodulation_albedo(index);
  let scale = luminance(albedo);
  output[index] = vec4f(noisy.rgb / albedo, select(noisy.w / (scale * scale), noisy.w, noisy.w < 0.0));
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn remodulate(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= params.size.x || id.y >= params.size.y) {
    return;
  }
  let index = id.y * params.size.x + id.x;
  let irradiance = input[index];
  output[index] = vec4f(irradiance.rgb * demodulation_albedo(index), irradiance.w);
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn atrous(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= params.size.x || id.y >= params.size.y) {
    return;
  }
  let p = vec2i(id.xy);
  let index = pixel_index(p);
  let centre = input[index];
  let guide_a = guides[2u * index];
  let guide_n = guides[2u * index + 1u];
  // Unrendered pixels stay as they are. So do pixels that see a light (directly or in a mirror): their
  // radiance is emitted, not reflected, so neither demodulation nor the neighbours' irradiance applies,
  // and their brightness would bleed into the surfaces around them.
  if (centre.w < 0.0 || guide_n.w > 0.0) {
    output[index] = centre;
    return;
  }
  let lum_p = luminance(centre.rgb);
  let z_p = guide_a.w;
  let slope = distance_slope(p, z_p);

  // The luminance weight's scale: the centre's standard deviation, its variance blurred 3x3 first (SVGF)
  // so that one pixel's unlucky estimate does not stop or open the filter on its own.
  var variance_sum = 0.0;
  var variance_weight = 0.0;
  for (var dy = -1; dy <= 1; dy++) {
    for (var dx = -1; dx <= 1; dx++) {
      let q = p + vec2i(dx, dy);
      if (!inside(q)) {
        continue;
      }
      let v = input[pixel_index(q)].w;
      if (v < 0.0) {
        continue;
      }
      let k = select(0.25, 0.5, dx == 0) * select(0.25, 0.5, dy == 0);
      variance_sum += k * v;
      variance_weight += k;
    }
  }
  let sigma_l = SIGMA_LUMINANCE * sqrt(max(variance_sum / variance_weight, 0.0)) + 1e-6;

  var sum = vec3f(0.0);
  var variance = 0.0;
  var weight_sum = 0.0;
  let step = i32(params.step);
  for (var dy = -2; dy <= 2; dy++) {
    for (var dx = -2; dx <= 2; dx++) {
      let h = KERNEL[abs(dx)] * KERNEL[abs(dy)];
      if (dx == 0 && dy == 0) {
        sum += h * centre.rgb;
        variance += h * h * centre.w;
        weight_sum += h;
        continue;
      }
      let offset = vec2i(dx, dy) * step;
      let q = p + offset;
      if (!inside(q)) {
        continue;
      }
      let qi = pixel_index(q);
      let sample = input[qi];
      let qa = guides[2u * qi];
      let qn = guides[2u * qi + 1u];
      if (sample.w < 0.0 || qn.w > 0.0) {
        continue;
      }
      let w_l = exp(-abs(luminance(sample.rgb) - lum_p) / sigma_l);
      let w_n = normal_weight(guide_n.xyz, qn.xyz);
      let w_z = exp(-abs(qa.w - z_p) / (SIGMA_DISTANCE * abs(dot(slope, vec2f(offset))) + 1e-3 * z_p + 1e-6));
      let w_a = exp(-length(qa.rgb - guide_a.rgb) / SIGMA_ALBEDO);
      let w = h * w_l * w_n * w_z * w_a;
      sum += w * sample.rgb;
      variance += w * w * sample.w;
      weight_sum += w;
    }
  }
  output[index] = vec4f(sum / weight_sum, variance / (weight_sum * weight_sum));
}
