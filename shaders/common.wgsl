// Constants and sampling helpers shared by the kernels.

const PI: f32 = 3.14159265358979;
const INV_PI: f32 = 0.31830988618379;

// Floats per pixel in a result: radiance sum r, g, b; sum of squared luminance; sample count.
// Must equal RESULT_CHANNELS in lib/protocol/result-layout.ts.
const RESULT_CHANNELS: u32 = 5u;

// Rec. 709 luminance of linear RGB. packScene weighs emissive triangles with the same weights
// (lights.wgsl relies on it to recover a triangle's light pdf from its material).
const LUMINANCE_WEIGHTS = vec3f(0.2126, 0.7152, 0.0722);

fn luminance(c: vec3f) -> f32 {
  return dot(c, LUMINANCE_WEIGHTS);
}

// An orthonormal basis around n (Duff et al., "Building an Orthonormal Basis, Revisited", JCGT 2017).
// The columns are tangent, bitangent, n: `basis * local` goes to world space, `world * basis` back.
fn basis_around(n: vec3f) -> mat3x3f {
  let s = select(-1.0, 1.0, n.z >= 0.0);
  let a = -1.0 / (s + n.z);
  let b = n.x * n.y * a;
  let t = vec3f(1.0 + s * n.x * n.x * a, s * b, -s * n.x);
  let bt = vec3f(b, s + n.y * n.y * a, -n.y);
  return mat3x3f(t, bt, n);
}

// A direction on the hemisphere around n with pdf cos(theta) / pi (Malley's method).
fn cosine_sample_hemisphere(n: vec3f, u: vec2f) -> vec3f {
  let r = sqrt(u.x);
  let phi = 2.0 * PI * u.y;
  let local = vec3f(r * cos(phi), r * sin(phi), sqrt(max(0.0, 1.0 - u.x)));
  return normalize(basis_around(n) * local);
}

// The power heuristic (beta = 2) weight of a sample drawn with pdf `a` when another strategy has pdf `b`
// (Veach 1997). Written as 1 / (1 + (b/a)^2) so that large pdfs cannot overflow a^2 + b^2.
fn power_heuristic(a: f32, b: f32) -> f32 {
  if (a <= 0.0) {
    return 0.0;
  }
  let r = b / a;
  return 1.0 / (1.0 + r * r);
}

// True when every component is finite. Tested on the bit pattern (exponent all ones = Inf or NaN):
// comparisons such as x != x may be folded away by compilers that assume no NaN.
fn all_finite(v: vec4f) -> bool {
  return all((bitcast<vec4u>(v) & vec4u(0x7f800000u)) != vec4u(0x7f800000u));
}
