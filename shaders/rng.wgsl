// Counter-based random numbers.
//
// Every random value is a pure function of (job seed, pixel, sample index, bounce, dimension): there is no
// state carried between samples or dispatches. That is what makes a render re-executable per pixel, so a
// verifier can re-render any few pixels of a submitted unit and get the same paths (docs/design.md).
//
// Hash: pcg4d from Jarzynski & Olano, "Hash Functions for GPU Rendering" (JCGT 2020): 4 x 32-bit in,
// 4 x 32-bit out, good avalanche, a handful of integer multiply-adds.

fn pcg4d(input: vec4u) -> vec4u {
  var v = input * 1664525u + 1013904223u;
  v.x += v.y * v.w;
  v.y += v.z * v.x;
  v.z += v.x * v.y;
  v.w += v.y * v.z;
  v ^= v >> vec4u(16u);
  v.x += v.y * v.w;
  v.y += v.z * v.x;
  v.z += v.x * v.y;
  v.w += v.y * v.z;
  return v;
}

// The keys of one camera sample: which pixel, which sample index, which job.
struct Rng {
  pixel: vec2u,
  sample_index: u32,
  seed_hash: u32,
}

fn rng_init(seed: u32, pixel: vec2u, sample_index: u32) -> Rng {
  // The seed is hashed once so that nearby job seeds give unrelated streams.
  return Rng(pixel, sample_index, pcg4d(vec4u(seed, 0x6c756d65u, 0x6e677269u, 0x64000000u)).x);
}

// Four uniform numbers in [0, 1) for one (bounce, dimension group). Bounces below 2^24 and groups below 256
// map to distinct counters, so no two draws of one sample share their input.
fn rand4(rng: Rng, bounce: u32, group: u32) -> vec4f {
  let counter = rng.seed_hash + ((bounce << 8u) | group);
  let bits = pcg4d(vec4u(rng.pixel, rng.sample_index, counter));
  // The top 24 bits fill a float mantissa exactly: values are k / 2^24, never 1.0.
  return vec4f(bits >> vec4u(8u)) * (1.0 / 16777216.0);
}

// One uniform number in [0, 1) for a surface crossing along a ray: stochastic transparency (alphaMode BLEND)
// accepts the hit on `crossing` (a triangle index: a straight ray crosses each triangle at most once) with
// probability alpha. It is a pure function of (seed, pixel, sample index, bounce, group, triangle), so the
// same crossing decides the same way in whatever order a traversal meets it, and however work is split.
fn rand_crossing(rng: Rng, bounce: u32, group: u32, crossing: u32) -> f32 {
  let counter = rng.seed_hash + ((bounce << 8u) | group);
  let first = pcg4d(vec4u(rng.pixel, rng.sample_index, counter));
  let bits = pcg4d(vec4u(first.x, first.y, crossing, first.z));
  return f32(bits.x >> 8u) * (1.0 / 16777216.0);
}

// Which random numbers a ray's alpha decisions use: the sample's keys, the bounce and a group of its own.
struct RayKey {
  rng: Rng,
  bounce: u32,
  group: u32,
}
