// Path-traces one rectangular region of the image of a packed mesh scene (or a list of its pixels) over a
// range of sample indices and adds the results into the accumulator. Joined with its includes by
// lib/render/wgsl.ts.
//
// Estimator: unidirectional path tracing with next-event estimation at every vertex whose BSDF has a
// non-delta part. Emissive triangles and the environment are reached both by light sampling and by BSDF
// sampling, and the two are combined with multiple importance sampling (power heuristic). Punctual lights
// can only be reached by light sampling (they are deltas): they get full weight. Paths longer than 3
// bounces are cut by Russian roulette. No radiance is clamped: a sample that is not finite counts as 0,
// everything else is kept as it is (clamping fireflies would bias the image).
//
// Random numbers: every draw is rand4(rng, bounce, group), a pure function of (seed, pixel, sample index,
// bounce, group), so the path of a sample never depends on how the work was split. Groups:
//   GROUP_CAMERA   (bounce 0 only) xy: film position (pixel filter), zw: lens position (camera.wgsl)
//   GROUP_LIGHT    x: environment or triangle, y: which triangle (CDF), zw: point on it / environment direction
//   GROUP_BSDF     x: lobe (specular or diffuse; glass: reflect or refract), yz: direction, w: glass or opaque
//   GROUP_PUNCTUAL x: which punctual light, y: Russian roulette
//   GROUP_ALPHA_PATH, GROUP_ALPHA_LIGHT, GROUP_ALPHA_PUNCTUAL: alphaMode BLEND decisions of the path ray and
//     of the two shadow rays of a bounce, one number per triangle crossed (rng.wgsl, rand_crossing)
//
//#include common.wgsl
//#include rng.wgsl
//#include params.wgsl
//#include camera.wgsl
//#include scene-bindings.wgsl
//#include bvh.wgsl
//#include materials.wgsl
//#include lights.wgsl

// Workgroup shape, set from TypeScript as pipeline constants.
override WORKGROUP_X: u32 = 8u;
override WORKGROUP_Y: u32 = 8u;

const GROUP_CAMERA: u32 = 0u;
const GROUP_LIGHT: u32 = 1u;
const GROUP_BSDF: u32 = 2u;
const GROUP_PUNCTUAL: u32 = 3u;
const GROUP_ALPHA_PATH: u32 = 4u;
const GROUP_ALPHA_LIGHT: u32 = 5u;
const GROUP_ALPHA_PUNCTUAL: u32 = 6u;

// Russian roulette starts after this many bounces; survival probability is the throughput's largest
// component, kept within [0.05, 0.95] so that no path is certain to survive or to die.
const ROULETTE_START: u32 = 3u;

// Fraction of the distance to a sampled light point that a shadow ray tests: it must stop short of the
// light's own triangle.
const SHADOW_REACH: f32 = 0.999;

// Radiance along one camera path through `pixel` for sample `sample_index`.
fn trace_sample(pixel: vec2u, sample_index: u32) -> vec3f {
  let rng = rng_init(params.seed, pixel, sample_index);

  // Camera ray: film point drawn from the pixel filter, lens point from the aperture (camera.wgsl). The
  // original box-filtered pinhole has its own path: the same bits as before, and no filter or lens code on
  // the way (SwiftShader ran about 5 % slower through camera_ray).
  let u_camera = rand4(rng, 0u, GROUP_CAMERA);
  var origin = params.camera_position;
  var dir: vec3f;
  if (params.pixel_filter == PIXEL_FILTER_BOX && params.lens_radius <= 0.0) {
    dir = pinhole_box_direction(pixel, u_camera.xy);
  } else {
    let camera = camera_ray(pixel, u_camera);
    origin = camera.origin;
    dir = camera.dir;
  }

  var radiance = vec3f(0.0);
  var throughput = vec3f(1.0);
  // How the current ray was drawn, for the MIS weight of the light it may reach: the BSDF pdf, whether it
  // was a delta lobe (or the camera: light sampling could not have produced it either way), and the shading
  // normal that environment sampling would have used at its origin.
  var prev_pdf = 0.0;
  var prev_delta = true;
  var prev_normal = vec3f(0.0, 1.0, 0.0);

  for (var bounce = 0u; ; bounce++) {
    let hit = trace_closest(origin, dir, NO_HIT, RayKey(rng, bounce, GROUP_ALPHA_PATH));
    if (hit.triangle == NO_TRIANGLE) {
      let weight = select(power_heuristic(prev_pdf, environment_pdf(prev_normal, dir)), 1.0, prev_delta);
      radiance += throughput * environment_radiance(dir) * weight;
      break;
    }

    // The hit in world space (bvh.wgsl: in a still scene, the packed triangle as it is).
    let tri = hit_triangle(hit);
    let material = load_material(tri.material);
    let face_normal = hit_face_normal(hit, tri);
    let front = dot(face_normal, dir) < 0.0;

    // Emission, one-sided (the front face). After a non-delta bounce, light sampling could have found the
    // same point: weigh by the power heuristic against that strategy's pdf.
    if (front && any(material.emissive > vec3f(0.0))) {
      var weight = 1.0;
      if (!prev_delta) {
        weight = power_heuristic(prev_pdf, emissive_pdf(hit_emitted_luminance(hit, tri), hit.t, -dot(face_normal, dir)));
      }
      radiance += throughput * emission_at(hit.triangle, material, hit.u, hit.v) * weight;
    }
    if (bounce >= params.max_bounces) {
      break;
    }

    // The geometric normal faces the side the ray came from; the shading normal is turned to the same side.
    // A shading normal that faces away from the viewer (interpolation on a coarse mesh) would give
    // negative cosines: fall back to the geometric normal there.
    let wo = -dir;
    let geometric_normal = select(-face_normal, face_normal, front);
    let shaded = shade_hit(hit.triangle, material, hit.u, hit.v);
    var normal = hit_shading_normal(hit, shaded.normal);
    normal = select(normal, -normal, dot(normal, geometric_normal) < 0.0);
    if (!(dot(normal, wo) > 0.0)) {
      normal = geometric_normal;
    }
    let position = tri.v0 + hit.u * tri.edge1 + hit.v * tri.edge2;
    let surface = shaded.surface;
    let frame = basis_around(normal);
    let wo_local = wo * frame;

    let u_light = rand4(rng, bounce, GROUP_LIGHT);
    let u_bsdf = rand4(rng, bounce, GROUP_BSDF);
    let u_punctual = rand4(rng, bounce, GROUP_PUNCTUAL);

    // A transmissive material is glass with probability transmission x (1 - metallic), the opaque BSDF
    // otherwise: choosing a layer in proportion to its weight keeps the mixture unbiased with weight 1.
    let is_glass = u_bsdf.w < surface.transmission * (1.0 - surface.metallic);
    let light_origin = offset_ray_origin(position, geometric_normal);

    if (!is_glass && has_smooth_density(surface, wo_local.z)) {
      // Next-event estimation: one area or environment light sample, MIS-weighted against BSDF sampling.
      let light = sample_light(position, normal, u_light);
      if (light.pdf > 0.0 && dot(light.wi, geometric_normal) > 0.0 && any(light.radiance > vec3f(0.0))) {
        let eval = opaque_eval(surface, wo_local, light.wi * frame);
        if (any(eval.f > vec3f(0.0)) && !trace_any(light_origin, light.wi, light.distance * SHADOW_REACH, RayKey(rng, bounce, GROUP_ALPHA_LIGHT))) {
          let weight = power_heuristic(light.pdf, eval.pdf);
          let cos_i = dot(light.wi, normal);
          radiance += throughput * eval.f * light.radiance * (cos_i * weight / light.pdf);
        }
      }
      // One punctual light, full weight (no other strategy can reach a delta light).
      if (params.punctual_count > 0u) {
        let punctual = sample_punctual(position, u_punctual.x);
        if (dot(punctual.wi, geometric_normal) > 0.0 && any(punctual.irradiance > vec3f(0.0))) {
          let eval = opaque_eval(surface, wo_local, punctual.wi * frame);
          if (any(eval.f > vec3f(0.0)) && !trace_any(light_origin, punctual.wi, punctual.distance * SHADOW_REACH,
            RayKey(rng, bounce, GROUP_ALPHA_PUNCTUAL))) {
            radiance += throughput * eval.f * punctual.irradiance * dot(punctual.wi, normal);
          }
        }
      }
    }

    // Continue the path by sampling the BSDF.
    var sample: BsdfSample;
    if (is_glass) {
      sample = glass_sample(surface, wo_local, front, u_bsdf.x);
    } else {
      sample = opaque_sample(surface, wo_local, u_bsdf.xyz);
    }
    if (!sample.valid) {
      break;
    }
    let wi = frame * sample.wi;
    // The geometric surface decides which side the new ray leaves from. A sample on the wrong side for its
    // lobe (possible where shading and geometric normals disagree) would leak light through the surface.
    let leaves_front = dot(wi, geometric_normal) > 0.0;
    if (leaves_front == sample.transmitted) {
      break;
    }
    throughput *= sample.weight;
    prev_pdf = sample.pdf;
    prev_delta = sample.is_delta;
    prev_normal = normal;
    origin = offset_ray_origin(position, select(-geometric_normal, geometric_normal, leaves_front));
    dir = wi;

    if (bounce >= ROULETTE_START) {
      let survive = clamp(max(throughput.x, max(throughput.y, throughput.z)), 0.05, 0.95);
      if (u_punctual.y >= survive) {
        break;
      }
      throughput /= survive;
    }
  }
  return radiance;
}

// Adds samples [sample_start, sample_start + sample_count) of `pixel` onto the RESULT_CHANNELS running sums
// at accum[base]. Both modes go through here, so a pixel's bits do not depend on the mode.
fn accumulate_pixel(pixel: vec2u, base: u32) {
  // Samples are added one by one, in index order, onto the running sums. The bits of the result therefore
  // do not depend on how the sample range was split into dispatches.
  var sum = vec3f(accum[base], accum[base + 1u], accum[base + 2u]);
  var luminance_sq = accum[base + 3u];
  var count = accum[base + 4u];
  for (var i = 0u; i < params.sample_count; i++) {
    var radiance = trace_sample(pixel, params.sample_start + i);
    var lum = luminance(radiance);
    // A NaN or Inf (a degenerate triangle, a zero pdf that slipped through) would poison the pixel's sums
    // for good; such a sample counts, with radiance 0. So does one whose squared luminance overflows.
    if (!all_finite(vec4f(radiance, lum * lum))) {
      radiance = vec3f(0.0);
      lum = 0.0;
    }
    sum += radiance;
    luminance_sq += lum * lum;
    count += 1.0;
  }
  accum[base] = sum.x;
  accum[base + 1u] = sum.y;
  accum[base + 2u] = sum.z;
  accum[base + 3u] = luminance_sq;
  accum[base + 4u] = count;
}

// Region mode: a 2D grid over the region, one invocation per pixel. Pixel-list mode: one invocation per
// list entry, numbered linearly over workgroups (a 2D grid of them, x fastest, so that long lists fit the
// per-dimension limit) and over the invocations inside each one.
@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(
  @builtin(global_invocation_id) id: vec3u,
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) local: u32,
) {
  let list_length = params.pixel_list_length;
  if (list_length > 0u) {
    let entry = (group.y * groups.x + group.x) * (WORKGROUP_X * WORKGROUP_Y) + local;
    if (entry >= list_length) {
      return;
    }
    let index = u32(accum[list_length * RESULT_CHANNELS + entry]);
    let width = params.image_size.x;
    // The host checks every index; an index outside the image is skipped all the same (its sums stay 0).
    if (index >= width * params.image_size.y) {
      return;
    }
    accumulate_pixel(vec2u(index % width, index / width), entry * RESULT_CHANNELS);
    return;
  }
  if (id.x >= params.region_size.x || id.y >= params.region_size.y) {
    return;
  }
  accumulate_pixel(params.region_origin + id.xy, (id.y * params.region_size.x + id.x) * RESULT_CHANNELS);
}
