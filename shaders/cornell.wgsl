// The built-in demo scene: a Cornell box with a ceiling area light, a diffuse sphere and a mirror sphere,
// described analytically (quads and spheres) so that it needs no scene upload.
//
// Units are metres; the box spans x in [-1, 1], y in [0, 2], z in [-1, 1], open towards the camera (+z).

const MATERIAL_DIFFUSE: u32 = 0u;
const MATERIAL_MIRROR: u32 = 1u;
const MATERIAL_LIGHT: u32 = 2u;

struct Material {
  kind: u32,
  albedo: vec3f,
}

// A parallelogram: corner + two edges. The normal is normalize(cross(edge_u, edge_v)).
struct Quad {
  corner: vec3f,
  edge_u: vec3f,
  edge_v: vec3f,
  material: u32,
}

struct Sphere {
  center: vec3f,
  radius: f32,
  material: u32,
}

const WHITE = vec3f(0.725, 0.71, 0.68);
const RED = vec3f(0.63, 0.065, 0.05);
const GREEN = vec3f(0.14, 0.45, 0.091);

const MATERIALS = array<Material, 5>(
  Material(MATERIAL_DIFFUSE, WHITE),
  Material(MATERIAL_DIFFUSE, RED),
  Material(MATERIAL_DIFFUSE, GREEN),
  Material(MATERIAL_MIRROR, vec3f(0.95, 0.93, 0.88)),
  Material(MATERIAL_LIGHT, vec3f(0.0)),
);

// Radiance emitted by the light's lower face.
const LIGHT_RADIANCE = vec3f(17.0, 12.0, 4.0);
// The light: 0.5 m x 0.4 m, just below the ceiling, facing down (cross(u, v) points -y).
const LIGHT = Quad(vec3f(-0.25, 1.98, -0.2), vec3f(0.5, 0.0, 0.0), vec3f(0.0, 0.0, 0.4), 4u);
const LIGHT_AREA: f32 = 0.2;

const QUAD_COUNT: u32 = 6u;
const QUADS = array<Quad, 6>(
  Quad(vec3f(-1.0, 0.0, 1.0), vec3f(0.0, 0.0, -2.0), vec3f(2.0, 0.0, 0.0), 0u), // floor, normal +y
  Quad(vec3f(-1.0, 2.0, -1.0), vec3f(0.0, 0.0, 2.0), vec3f(2.0, 0.0, 0.0), 0u), // ceiling, normal -y
  Quad(vec3f(-1.0, 0.0, -1.0), vec3f(2.0, 0.0, 0.0), vec3f(0.0, 2.0, 0.0), 0u), // back wall, normal +z
  Quad(vec3f(-1.0, 0.0, 1.0), vec3f(0.0, 2.0, 0.0), vec3f(0.0, 0.0, -2.0), 1u), // left wall (red), normal +x
  Quad(vec3f(1.0, 0.0, -1.0), vec3f(0.0, 2.0, 0.0), vec3f(0.0, 0.0, 2.0), 2u), // right wall (green), normal -x
  LIGHT,
);

const SPHERE_COUNT: u32 = 2u;
const SPHERES = array<Sphere, 2>(
  Sphere(vec3f(-0.42, 0.38, -0.35), 0.38, 0u),
  Sphere(vec3f(0.45, 0.33, 0.25), 0.33, 3u),
);

// Pinhole camera looking down -z into the box.
const CAMERA_POSITION = vec3f(0.0, 1.0, 3.6);
const CAMERA_TAN_HALF_FOV: f32 = 0.3443276; // tan(19 degrees): a 38-degree vertical field of view

struct Hit {
  distance: f32,
  normal: vec3f,
  material: u32,
}

const NO_HIT: f32 = 1e30;

fn intersect_quad(quad: Quad, origin: vec3f, dir: vec3f, t_max: f32) -> Hit {
  let n = cross(quad.edge_u, quad.edge_v);
  let denom = dot(n, dir);
  if (abs(denom) < 1e-9) {
    return Hit(NO_HIT, vec3f(0.0), 0u);
  }
  let t = dot(n, quad.corner - origin) / denom;
  if (t <= 1e-4 || t >= t_max) {
    return Hit(NO_HIT, vec3f(0.0), 0u);
  }
  // Barycentric-style coordinates of the hit point in the parallelogram's own basis.
  let p = origin + t * dir - quad.corner;
  let w = n / dot(n, n);
  let a = dot(w, cross(p, quad.edge_v));
  let b = dot(w, cross(quad.edge_u, p));
  if (a < 0.0 || a > 1.0 || b < 0.0 || b > 1.0) {
    return Hit(NO_HIT, vec3f(0.0), 0u);
  }
  return Hit(t, normalize(n), quad.material);
}

fn intersect_sphere(sphere: Sphere, origin: vec3f, dir: vec3f, t_max: f32) -> Hit {
  let oc = origin - sphere.center;
  let half_b = dot(oc, dir);
  let c = dot(oc, oc) - sphere.radius * sphere.radius;
  let disc = half_b * half_b - c;
  if (disc < 0.0) {
    return Hit(NO_HIT, vec3f(0.0), 0u);
  }
  let root = sqrt(disc);
  var t = -half_b - root;
  if (t <= 1e-4) {
    t = -half_b + root;
  }
  if (t <= 1e-4 || t >= t_max) {
    return Hit(NO_HIT, vec3f(0.0), 0u);
  }
  return Hit(t, (origin + t * dir - sphere.center) / sphere.radius, sphere.material);
}

fn scene_intersect(origin: vec3f, dir: vec3f, t_max: f32) -> Hit {
  var best = Hit(t_max, vec3f(0.0), 0u);
  for (var i = 0u; i < QUAD_COUNT; i++) {
    let hit = intersect_quad(QUADS[i], origin, dir, best.distance);
    if (hit.distance < best.distance) {
      best = hit;
    }
  }
  for (var i = 0u; i < SPHERE_COUNT; i++) {
    let hit = intersect_sphere(SPHERES[i], origin, dir, best.distance);
    if (hit.distance < best.distance) {
      best = hit;
    }
  }
  if (best.distance >= t_max) {
    best.distance = NO_HIT;
  }
  return best;
}
