// The per-dispatch uniform and the result buffer: the contract with lib/render/path-tracer.ts. Params is
// laid out by lib/render/params-layout.ts (PARAMS_FIELDS), which the buffer is written from;
// lib/render/params-layout.test.ts parses this struct and fails when the two disagree.

// 192 bytes. Uniform layout rules: a vec3f is 16-byte aligned and 12 bytes long, so the scalar that follows
// one fills its last 4 bytes.
struct Params {
  image_size: vec2u,        // offset   0: full image width, height in pixels (the camera depends on them)
  region_origin: vec2u,     // offset   8: top-left pixel of the region this dispatch renders
  region_size: vec2u,       // offset  16: region width, height in pixels
  sample_start: u32,        // offset  24: first sample index of this dispatch
  sample_count: u32,        // offset  28: samples per pixel in this dispatch
  seed: u32,                // offset  32: the job's seed
  max_bounces: u32,         // offset  36: scattering events per path (1 = direct light only)
  light_count: u32,         // offset  40: entries in scene_lights (emissive triangles), 0 = none
  punctual_count: u32,      // offset  44: entries in scene_punctual, 0 = none
  camera_position: vec3f,   // offset  48: pinhole (lens centre) position, world space
  environment_type: u32,    // offset  60: ENVIRONMENT_NONE, _UNIFORM, _SKY or _MAP
  camera_right: vec3f,      // offset  64: unit right vector x tan(yfov / 2) x width / height
  emissive_power: f32,      // offset  76: sum of area x luminance(emissive) over lights (PackedSceneInfo)
  camera_up: vec3f,         // offset  80: unit up vector x tan(yfov / 2)
  texel_base: u32,          // offset  92: word offset of the `texels` section inside scene_images
  camera_forward: vec3f,    // offset  96: unit viewing direction
  pixel_list_length: u32,   // offset 108: entries of the pixel list in accum (pixel-list mode), 0 = region mode
  environment_a: vec3f,     // offset 112: uniform radiance, the sky's zenith radiance, or the map's intensity
  lens_radius: f32,         // offset 124: thin-lens aperture radius, world units; 0 = pinhole
  environment_b: vec3f,     // offset 128: the sky's horizon radiance
  focus_distance: f32,      // offset 140: distance along camera_forward of the plane in focus (lens_radius > 0)
  environment_c: vec3f,     // offset 144: the sky's ground radiance
  pixel_filter: u32,        // offset 156: PIXEL_FILTER_BOX or PIXEL_FILTER_GAUSSIAN
  environment_map_size: vec2u, // offset 160: width, height of the environment map (ENVIRONMENT_MAP)
  environment_rotation: f32,   // offset 168: the map's rotation about +y, in turns (degrees / 360)
  punctual_base: u32,       // offset 172: vec4f offset of the `punctual` section inside scene_lights
  instance_count: u32,      // offset 176: instances of the frame (scene_frame); 0 = a still scene, one BVH
  instance_order_base: u32, // offset 180: vec4f offset of the top level's instance order in scene_frame
  instance_slot_base: u32,  // offset 184: vec4f offset of the instance slots in scene_frame
  _pad1: u32,               // offset 188
}

// Values of Params.environment_type. NONE is a black environment: light sampling skips it entirely.
const ENVIRONMENT_NONE: u32 = 0u;
const ENVIRONMENT_UNIFORM: u32 = 1u;
const ENVIRONMENT_SKY: u32 = 2u;
// An equirectangular radiance map (environment_map, scene-bindings.wgsl), importance-sampled.
const ENVIRONMENT_MAP: u32 = 3u;

// Values of Params.pixel_filter: where inside and around the pixel a camera ray passes (pathtrace.wgsl).
const PIXEL_FILTER_BOX: u32 = 0u;
const PIXEL_FILTER_GAUSSIAN: u32 = 1u;

@group(0) @binding(0) var<uniform> params: Params;
// RESULT_CHANNELS floats per rendered pixel: radiance sum r, g, b; sum of squared luminance; count.
// Region mode (pixel_list_length = 0): row-major over the region.
// Pixel-list mode (n = pixel_list_length > 0): words [0, n * RESULT_CHANNELS) are the results in list order,
// then words [n * RESULT_CHANNELS, n * (RESULT_CHANNELS + 1)) hold the list itself, entry i the full-image
// pixel index y * width + x as an f32 integer value (exact: indices stay below 2^24). Read only. The pixel
// list lives here rather than in a binding of its own because the kernel already uses the 8 storage
// buffers WebGPU guarantees.
@group(0) @binding(1) var<storage, read_write> accum: array<f32>;
