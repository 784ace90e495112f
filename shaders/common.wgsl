// Constants and sampling helpers shared by the kernels.

const PI: f32 = 3.14159265358979;
const INV_PI: f32 = 0.31830988618379;

// Floats per pixel in a result: radiance sum r, g, b; sum of squared luminance; sample count.
// Must equal RESULT_CHANNELS in lib/core/result-layout.ts.
const RESULT_CHANNELS: u32 = 5u;

// Rec. 709 luminance of linear RGB.
const LUMINANCE_WEIGHTS = vec3f(0.2126, 0.7152, 0.0722);

// An orthonormal basis around n (Duff et al., "Building an Orthonormal Basis, Revisited", JCGT 2017).
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
