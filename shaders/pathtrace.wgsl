// Path-traces one rectangular region of the image over a range of sample indices and adds the results into
// the region's accumulator. Joined after common.wgsl, rng.wgsl and a scene file by lib/render/wgsl.ts.
//
//#include common.wgsl
//#include rng.wgsl
//#include cornell.wgsl

// Workgroup shape, set from TypeScript as pipeline constants.
override WORKGROUP_X: u32 = 8u;
override WORKGROUP_Y: u32 = 8u;

// 48 bytes, std140-compatible (see lib/render/path-tracer.ts writeParams).
struct Params {
  image_size: vec2u,    // offset  0: full image width, height in pixels
  region_origin: vec2u, // offset  8: top-left pixel of the region this dispatch renders
  region_size: vec2u,   // offset 16: region width, height in pixels
  sample_start: u32,    // offset 24: first sample index of this dispatch
  sample_count: u32,    // offset 28: samples per pixel in this dispatch
  seed: u32,            // offset 32: the job's seed
  max_bounces: u32,     // offset 36: path length limit (1 = direct light only)
  _pad: vec2u,          // offset 40
}

@group(0) @binding(0) var<uniform> params: Params;
// RESULT_CHANNELS floats per region pixel, row-major: radiance sum r, g, b; sum of squared luminance; count.
@group(0) @binding(1) var<storage, read_write> accum: array<f32>;

// Radiance along one camera path through `pixel` for sample `sample_index`.
fn trace_sample(pixel: vec2u, sample_index: u32) -> vec3f {
  let rng = rng_init(params.seed, pixel, sample_index);

  // Camera ray through a uniformly jittered point of the pixel (box filter).
  let jitter = rand4(rng, 0u, 0u);
  let size = vec2f(params.image_size);
  let ndc = vec2f(
    (f32(pixel.x) + jitter.x) / size.x * 2.0 - 1.0,
    1.0 - (f32(pixel.y) + jitter.y) / size.y * 2.0,
  );
  let aspect = size.x / size.y;
  var origin = CAMERA_POSITION;
  var dir = normalize(vec3f(ndc.x * CAMERA_TAN_HALF_FOV * aspect, ndc.y * CAMERA_TAN_HALF_FOV, -1.0));

  var radiance = vec3f(0.0);
  var throughput = vec3f(1.0);
  // Emission is counted when a path reaches a light directly from the camera or a mirror. After a diffuse
  // bounce the light was already sampled explicitly (next-event estimation), so counting it again would
  // double its contribution.
  var count_emission = true;

  for (var bounce = 0u; bounce < params.max_bounces; bounce++) {
    let hit = scene_intersect(origin, dir, NO_HIT);
    if (hit.distance >= NO_HIT) {
      break; // the box is open to the camera: escaping rays see black
    }
    let material = MATERIALS[hit.material];
    let position = origin + hit.distance * dir;
    // Face the shading normal towards the incoming ray (walls are seen from inside).
    let normal = select(hit.normal, -hit.normal, dot(hit.normal, dir) > 0.0);

    if (material.kind == MATERIAL_LIGHT) {
      if (count_emission && dot(hit.normal, dir) < 0.0) {
        radiance += throughput * LIGHT_RADIANCE;
      }
      break;
    }

    // Dimension groups per bounce: 1 = light sample + Russian roulette, 2 = scattering direction.
    let u_light = rand4(rng, bounce, 1u);
    let u_scatter = rand4(rng, bounce, 2u);

    if (material.kind == MATERIAL_MIRROR) {
      throughput *= material.albedo;
      origin = position + normal * 1e-4;
      dir = reflect(dir, normal);
      count_emission = true;
    } else {
      // Next-event estimation: one point on the light, visible or not.
      let light_point = LIGHT.corner + u_light.x * LIGHT.edge_u + u_light.y * LIGHT.edge_v;
      let to_light = light_point - position;
      let dist2 = dot(to_light, to_light);
      let wi = to_light * inverseSqrt(dist2);
      let cos_surface = dot(normal, wi);
      let cos_light = -dot(normalize(cross(LIGHT.edge_u, LIGHT.edge_v)), wi);
      if (cos_surface > 0.0 && cos_light > 0.0) {
        let shadow = scene_intersect(position + normal * 1e-4, wi, sqrt(dist2) - 2e-4);
        if (shadow.distance >= NO_HIT) {
          // Lambert BRDF albedo/pi; area-sampling pdf 1/A converted to solid angle.
          let geometry = cos_surface * cos_light / dist2;
          radiance += throughput * material.albedo * INV_PI * LIGHT_RADIANCE * geometry * LIGHT_AREA;
        }
      }
      // Cosine-weighted hemisphere sampling: pdf cos/pi cancels the Lambert cosine and 1/pi.
      throughput *= material.albedo;
      origin = position + normal * 1e-4;
      dir = cosine_sample_hemisphere(normal, u_scatter.xy);
      count_emission = false;
    }

    // Russian roulette after the first few bounces keeps long paths unbiased and cheap.
    if (bounce >= 3u) {
      let survive = clamp(max(throughput.x, max(throughput.y, throughput.z)), 0.05, 0.95);
      if (u_light.z >= survive) {
        break;
      }
      throughput /= survive;
    }
  }
  return radiance;
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= params.region_size.x || id.y >= params.region_size.y) {
    return;
  }
  let pixel = params.region_origin + id.xy;
  let base = (id.y * params.region_size.x + id.x) * RESULT_CHANNELS;

  // Samples are added one by one, in index order, onto the running sums. The bits of the result therefore
  // do not depend on how the sample range was split into dispatches.
  var sum = vec3f(accum[base], accum[base + 1u], accum[base + 2u]);
  var luminance_sq = accum[base + 3u];
  var count = accum[base + 4u];
  for (var i = 0u; i < params.sample_count; i++) {
    let radiance = trace_sample(pixel, params.sample_start + i);
    let luminance = dot(radiance, LUMINANCE_WEIGHTS);
    sum += radiance;
    luminance_sq += luminance * luminance;
    count += 1.0;
  }
  accum[base] = sum.x;
  accum[base + 1u] = sum.y;
  accum[base + 2u] = sum.z;
  accum[base + 3u] = luminance_sq;
  accum[base + 4u] = count;
}
