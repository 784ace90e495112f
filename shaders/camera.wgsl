// The camera: where a camera ray starts and which way it goes, for one sample of one pixel. Mirrored in
// TypeScript by lib/render/camera.ts (the tests compute their expected images with it); keep the two in step.
//
// Film: normalised device coordinates (x, y) in [-1, 1]² (y up); the ray through them has the pinhole
// direction forward + x·right + y·up (|right|, |up| carry the field of view, Params).
//
// Pixel filter (Params.pixel_filter), by filter importance sampling: the film point is drawn from the
// filter's own distribution around the pixel centre and every sample has weight 1, so a pixel stays a plain
// average of its samples (the verifier's sums do not change form).
//   PIXEL_FILTER_BOX       uniform over the pixel (the original camera; its bits are unchanged).
//   PIXEL_FILTER_GAUSSIAN  an isotropic Gaussian of standard deviation GAUSSIAN_SIGMA pixels truncated to a
//                          disc of radius GAUSSIAN_RADIUS: its radius is drawn by the inverse of its CDF,
//                          (1 - exp(-r²/2σ²)) / (1 - exp(-R²/2σ²)), its angle uniformly. Neighbouring pixels
//                          overlap, which removes the box filter's aliasing on edges.
// Lens (Params.lens_radius > 0): a thin lens of that radius centred on camera_position, focused on the plane
// at focus_distance along forward. The ray leaves a point of the lens disc (concentric mapping, uniform by
// area) towards the point where the pinhole ray meets the focus plane, so points on that plane stay sharp and
// a point at distance z blurs into a circle of radius lens_radius·|1 - focus/z| on it. lens_radius = 0 is the
// pinhole, with the pinhole's bits.
//
// Random lanes (GROUP_CAMERA, bounce 0): xy film position, zw lens position.
//
//#include common.wgsl
//#include params.wgsl

const GAUSSIAN_SIGMA: f32 = 0.5;
const GAUSSIAN_RADIUS: f32 = 1.5;

struct CameraRay {
  origin: vec3f,
  dir: vec3f,  // unit length
}

// Offset of the film point from the pixel's top-left corner, in pixels, for lanes u in [0, 1)².
fn pixel_filter_offset(u: vec2f) -> vec2f {
  if (params.pixel_filter == PIXEL_FILTER_GAUSSIAN) {
    let tail = 1.0 - exp(-GAUSSIAN_RADIUS * GAUSSIAN_RADIUS / (2.0 * GAUSSIAN_SIGMA * GAUSSIAN_SIGMA));
    let r = GAUSSIAN_SIGMA * sqrt(max(0.0, -2.0 * log(1.0 - u.x * tail)));
    let phi = 2.0 * PI * u.y;
    return vec2f(0.5) + r * vec2f(cos(phi), sin(phi));
  }
  return u;
}

// A point of the unit disc, uniform by area, from u in [0, 1)² (Shirley and Chiu's concentric mapping).
fn concentric_disc(u: vec2f) -> vec2f {
  let a = 2.0 * u - 1.0;
  if (a.x == 0.0 && a.y == 0.0) {
    return vec2f(0.0);
  }
  if (abs(a.x) > abs(a.y)) {
    let phi = (PI / 4.0) * (a.y / a.x);
    return a.x * vec2f(cos(phi), sin(phi));
  }
  let phi = PI / 2.0 - (PI / 4.0) * (a.x / a.y);
  return a.y * vec2f(cos(phi), sin(phi));
}

// The original camera: a pinhole ray through a uniformly jittered point of the pixel.
fn pinhole_box_direction(pixel: vec2u, jitter: vec2f) -> vec3f {
  let size = vec2f(params.image_size);
  let ndc = vec2f(
    (f32(pixel.x) + jitter.x) / size.x * 2.0 - 1.0,
    1.0 - (f32(pixel.y) + jitter.y) / size.y * 2.0,
  );
  return normalize(params.camera_forward + ndc.x * params.camera_right + ndc.y * params.camera_up);
}

fn camera_ray(pixel: vec2u, u: vec4f) -> CameraRay {
  let film = pixel_filter_offset(u.xy);
  let size = vec2f(params.image_size);
  let ndc = vec2f(
    (f32(pixel.x) + film.x) / size.x * 2.0 - 1.0,
    1.0 - (f32(pixel.y) + film.y) / size.y * 2.0,
  );
  let pinhole = params.camera_forward + ndc.x * params.camera_right + ndc.y * params.camera_up;
  if (params.lens_radius <= 0.0) {
    return CameraRay(params.camera_position, normalize(pinhole));
  }
  // camera_forward is unit and right, up are perpendicular to it: the pinhole ray meets the focus plane at
  // focus_distance times the unnormalised direction.
  let lens = params.lens_radius * concentric_disc(u.zw);
  let origin = params.camera_position + lens.x * normalize(params.camera_right) + lens.y * normalize(params.camera_up);
  let focus = params.camera_position + params.focus_distance * pinhole;
  return CameraRay(origin, normalize(focus - origin));
}
