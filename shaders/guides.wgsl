// The denoiser's guide buffers (lib/render/denoise.ts): per pixel, the first-hit base colour (albedo),
// shading normal and distance of the camera rays, averaged over a few of the image's own camera samples so
// that edges are antialiased the way the noisy image is. Cheap (no bounces, no lights) and deterministic,
// but never part of a verified result: they only steer the requestor's denoised preview.
//
// Output, GUIDE_CHANNELS floats per pixel, row-major over the region, written into `accum`:
//   albedo r, g, b; distance; shading normal x, y, z; share of samples that see an emitter.
// As in Open Image Denoise's guides, a ray that meets a perfect mirror or smooth glass is followed to the
// first surface that is neither (up to GUIDE_MAX_SPECULAR bounces): what the image shows there is the
// surface beyond, and a guide of the mirror itself would let the filter smear its reflection. A ray that
// leaves the scene counts as albedo 1 (the environment is not modulated by any surface), normal 0 and
// distance 0, so the filter's edge-stopping keeps surfaces and background apart; an emitter likewise.
//
//#include common.wgsl
//#include rng.wgsl
//#include params.wgsl
//#include scene-bindings.wgsl
//#include bvh.wgsl
//#include materials.wgsl
//#include camera.wgsl

override WORKGROUP_X: u32 = 8u;
override WORKGROUP_Y: u32 = 8u;

// Must equal GUIDE_CHANNELS in lib/render/path-tracer.ts.
const GUIDE_CHANNELS: u32 = 8u;
// The camera's dimension group in pathtrace.wgsl: the same jitter as the image's sample of that index.
const GUIDE_GROUP_CAMERA: u32 = 0u;
// The path ray's alphaMode BLEND group in pathtrace.wgsl (GROUP_ALPHA_PATH): a guide ray of a sample lets
// light through a blended surface exactly where that sample's image ray does.
const GUIDE_GROUP_ALPHA: u32 = 4u;
// Mirror and glass bounces a guide ray follows before it settles for the surface it is on.
const GUIDE_MAX_SPECULAR: u32 = 4u;

// What the denoiser needs to know about the surface a camera ray hits.
struct GuideSurface {
  albedo: vec3f,   // base colour after textures
  normal: vec3f,   // shading normal, turned towards the ray's origin
  emitter: bool,   // the front face of an emissive material
  // A perfect mirror or smooth glass: the image shows what lies beyond it, so the guide follows the ray.
  specular: bool,
  // Where the ray goes on from a specular surface, and the tint it picks up there.
  next_dir: vec3f,
  tint: vec3f,
  position: vec3f,
  geometric_normal: vec3f,
}

// The surface a guide ray hits: base colour, shading normal, whether it emits and whether it is a delta
// (mirror or glass) surface, and where such a surface sends the ray. The one place that knows how
// materials are evaluated: switch it when materials.wgsl changes.
fn guide_surface(hit: TriangleHit, dir: vec3f) -> GuideSurface {
  let tri = hit_triangle(hit);
  let material = load_material(tri.material);
  let face_normal = hit_face_normal(hit, tri);
  let front = dot(face_normal, dir) < 0.0;
  let geometric_normal = select(-face_normal, face_normal, front);
  // shade_hit (materials.wgsl): textures, vertex colours and normal maps as the path tracer sees them.
  let shaded = shade_hit(hit.triangle, material, hit.u, hit.v);
  var normal = hit_shading_normal(hit, shaded.normal);
  normal = select(normal, -normal, dot(normal, geometric_normal) < 0.0);
  if (!(dot(normal, -dir) > 0.0)) {
    normal = geometric_normal;
  }
  let surface = shaded.surface;
  let position = tri.v0 + hit.u * tri.edge1 + hit.v * tri.edge2;
  let cos_o = dot(normal, -dir);
  // Glass where the path tracer mostly takes the glass layer: it refracts (or reflects under total
  // internal reflection) tinted by the base colour. A mirror: an opaque BSDF without any smooth part.
  let glass_share = surface.transmission * (1.0 - surface.metallic);
  var next_dir = reflect(dir, normal);
  var tint = specular_f0(surface);
  var specular = false;
  if (glass_share >= 0.5) {
    let eta = select(surface.ior, 1.0 / surface.ior, front);
    let refracted = refract(dir, normal, eta);
    if (any(refracted != vec3f(0.0))) {
      next_dir = refracted;
    }
    tint = surface.base_color;
    specular = true;
  } else if (!has_smooth_density(surface, cos_o)) {
    specular = true;
  }
  return GuideSurface(
    surface.base_color,
    normal,
    front && any(material.emissive > vec3f(0.0)),
    specular,
    next_dir,
    tint,
    position,
    geometric_normal,
  );
}

// One guide sample: albedo, normal and distance of the first surface that is not a mirror or glass
// (its albedo tinted by the specular ones before it), and whether it emits.
struct GuideSample {
  albedo: vec3f,
  normal: vec3f,
  distance: f32,
  hit: bool,
  emitter: bool,
}

fn guide_sample(camera: CameraRay, rng: Rng) -> GuideSample {
  var origin = camera.origin;
  var dir = camera.dir;
  var tint = vec3f(1.0);
  var distance = 0.0;
  for (var bounce = 0u; bounce <= GUIDE_MAX_SPECULAR; bounce++) {
    let hit = trace_closest(origin, dir, NO_HIT, RayKey(rng, bounce, GUIDE_GROUP_ALPHA));
    if (hit.triangle == NO_TRIANGLE) {
      // The environment: nothing to modulate. After a mirror, the mirror's tint still is.
      return GuideSample(tint, vec3f(0.0), 0.0, bounce > 0u, false);
    }
    distance += hit.t;
    let surface = guide_surface(hit, dir);
    if (surface.emitter) {
      return GuideSample(tint, surface.normal, distance, true, true);
    }
    if (!surface.specular || bounce >= GUIDE_MAX_SPECULAR) {
      return GuideSample(tint * surface.albedo, surface.normal, distance, true, false);
    }
    tint *= surface.tint;
    let leaves_front = dot(surface.next_dir, surface.geometric_normal) > 0.0;
    origin = offset_ray_origin(surface.position, select(-surface.geometric_normal, surface.geometric_normal, leaves_front));
    dir = surface.next_dir;
  }
  return GuideSample(vec3f(1.0), vec3f(0.0), 0.0, false, false);
}

fn guide_pixel(pixel: vec2u, base: u32) {
  var albedo = vec3f(0.0);
  var normal = vec3f(0.0);
  var distance = 0.0;
  var hits = 0.0;
  var emitters = 0.0;
  for (var i = 0u; i < params.sample_count; i++) {
    let rng = rng_init(params.seed, pixel, params.sample_start + i);
    // The image's own camera ray of this sample: same pixel filter and lens (shaders/camera.wgsl).
    let sample = guide_sample(camera_ray(pixel, rand4(rng, 0u, GUIDE_GROUP_CAMERA)), rng);
    albedo += sample.albedo;
    normal += sample.normal;
    if (sample.hit) {
      distance += sample.distance;
      hits += 1.0;
    }
    emitters += select(0.0, 1.0, sample.emitter);
  }
  let n = max(f32(params.sample_count), 1.0);
  // The normal is averaged over all samples (background ones add 0), so an edge pixel's normal is shorter
  // than 1; the distance only over the samples that hit.
  let d = select(0.0, distance / hits, hits > 0.0);
  accum[base] = albedo.x / n;
  accum[base + 1u] = albedo.y / n;
  accum[base + 2u] = albedo.z / n;
  accum[base + 3u] = d;
  accum[base + 4u] = normal.x / n;
  accum[base + 5u] = normal.y / n;
  accum[base + 6u] = normal.z / n;
  accum[base + 7u] = emitters / n;
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= params.region_size.x || id.y >= params.region_size.y) {
    return;
  }
  guide_pixel(params.region_origin + id.xy, (id.y * params.region_size.x + id.x) * GUIDE_CHANNELS);
}
