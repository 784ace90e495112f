// Ray queries against the packed scene's BVH: the closest hit (for path segments) and any hit (for shadow
// rays). Both walk the tree with a small per-invocation stack; there are no pointers in WGSL.
//
// Two levels (lib/scene/packed-scene.ts PackedInstance): every instance has its own BVH over its triangles
// in object space, and the frame's top level (scene_frame, built by the host from the task's pose) is a BVH
// over the instances' world boxes. A still scene (Params.instance_count = 0) is one BVH in world space,
// walked directly as it always was. Otherwise the ray is carried into each instance's object space by its
// inverse transform; the direction is not renormalised, so a distance t along it is the same distance along
// the world ray and hits compare across instances as they are.
//
// Surfaces that may not stop a ray (flagged per triangle in the packed scene, so opaque scenes pay one test
// of a word the triangle load brings anyway): back faces of single-sided materials are culled, as glTF asks
// of a rasteriser; alphaMode MASK lets the ray pass where alpha < alphaCutoff; alphaMode BLEND is stochastic
// transparency, a hit accepted with probability alpha (rng.wgsl, rand_crossing). Closest-hit and shadow
// rays apply the same tests, so a cut-out leaf casts a cut-out shadow and a 30 % opaque pane lets 70 % of the
// light through, on average.
//
//#include common.wgsl
//#include rng.wgsl
//#include scene-bindings.wgsl
//#include materials.wgsl

// Traversal stack entries. The BVH builder keeps the depth below 40 + log2(triangles) (lib/scene/bvh.ts),
// and the host refuses scenes deeper than this (BVH_MAX_DEPTH in lib/render/path-tracer.ts), so the stack
// never overflows: ordered traversal holds at most one pending sibling per level.
const BVH_STACK_SIZE: u32 = 64u;

// "No hit" distance; also the t_max of rays that may go to infinity.
const NO_HIT: f32 = 1e30;
const NO_TRIANGLE: u32 = 0xffffffffu;

struct TriangleHit {
  t: f32,         // distance along the (unit) ray direction; NO_HIT or the caller's t_max when nothing hit
  u: f32,         // barycentric weight of v1
  v: f32,         // barycentric weight of v2
  triangle: u32,  // index into scene_triangles, NO_TRIANGLE when nothing was hit
  instance: u32,  // the instance the triangle belongs to (0 in a still scene)
}

// 1 / d per component, with zero components replaced by a tiny value of the same sign. WGSL does not promise
// IEEE infinities from a division by zero, so the slab test must never divide by zero.
fn safe_inverse(d: vec3f) -> vec3f {
  let tiny = vec3f(1e-20);
  let sign_tiny = select(-tiny, tiny, bitcast<vec3u>(d) < vec3u(0x80000000u));
  return 1.0 / select(d, sign_tiny, abs(d) < tiny);
}

// Entry distance of the ray into a box within [0, t_max], or NO_HIT. The far distance is widened by a few
// ulps (Ize, "Robust BVH Ray Traversal", JCGT 2013) so rounding cannot make a ray slip past a box that its
// triangle's exact bounds touch.
fn intersect_box(origin: vec3f, inv_dir: vec3f, bounds_min: vec3f, bounds_max: vec3f, t_max: f32) -> f32 {
  let t0 = (bounds_min - origin) * inv_dir;
  let t1 = (bounds_max - origin) * inv_dir;
  let lo = min(t0, t1);
  let hi = max(t0, t1);
  let near = max(max(lo.x, lo.y), max(lo.z, 0.0));
  let far = min(min(hi.x, hi.y), min(hi.z, t_max)) * 1.0000004;
  return select(NO_HIT, near, near <= far);
}

// Möller–Trumbore: (t, u, v) of the hit within (0, t_max), or t = NO_HIT. The triangle stores v0 and both
// edges, which is exactly what the test needs.
fn intersect_triangle(origin: vec3f, dir: vec3f, tri: Triangle, t_max: f32) -> vec3f {
  let p = cross(dir, tri.edge2);
  let det = dot(tri.edge1, p);
  // Parallel rays (and degenerate triangles) have det = 0; the test is exact, so no epsilon scales wrongly
  // with scene size.
  if (det == 0.0) {
    return vec3f(NO_HIT, 0.0, 0.0);
  }
  let inv_det = 1.0 / det;
  let s = origin - tri.v0;
  let u = dot(s, p) * inv_det;
  if (u < 0.0 || u > 1.0) {
    return vec3f(NO_HIT, 0.0, 0.0);
  }
  let q = cross(s, tri.edge1);
  let v = dot(dir, q) * inv_det;
  if (v < 0.0 || u + v > 1.0) {
    return vec3f(NO_HIT, 0.0, 0.0);
  }
  let t = dot(tri.edge2, q) * inv_det;
  if (t <= 0.0 || t >= t_max) {
    return vec3f(NO_HIT, 0.0, 0.0);
  }
  return vec3f(t, u, v);
}

// Whether a hit (t, u, v) of triangle `index` counts (see the header): only called for flagged triangles.
fn hit_counts(key: RayKey, dir: vec3f, tri: Triangle, index: u32, hit: vec3f) -> bool {
  if ((tri.flags & TRIANGLE_CULL_BACK) != 0u && dot(dir, cross(tri.edge1, tri.edge2)) > 0.0) {
    return false;
  }
  if ((tri.flags & TRIANGLE_ALPHA_TESTED) != 0u) {
    let material = load_material(tri.material);
    let alpha = surface_alpha(index, material, hit.y, hit.z);
    if ((material.flags & 3u) == ALPHA_MASK) {
      return alpha >= material.alpha_cutoff;
    }
    return rand_crossing(key.rng, key.bounce, key.group, index) < alpha;
  }
  return true;
}

// The closest triangle along the ray within (0, t_max). Children are visited nearest box first and the far
// one is pushed with its entry distance, so that it is skipped when a closer hit has been found meanwhile.
fn trace_closest(origin: vec3f, dir: vec3f, t_max: f32, key: RayKey) -> TriangleHit {
  let none = TriangleHit(t_max, 0.0, 0.0, NO_TRIANGLE, 0u);
  if (!frame_instanced()) {
    return trace_closest_in(origin, dir, 0u, 0u, none, key);
  }
  return trace_closest_instances(origin, dir, none, key);
}

// The closest hit in the BVH rooted at node `root` (one instance's, in the ray's space), or `found` when
// nothing there is closer than found.t.
fn trace_closest_in(origin: vec3f, dir: vec3f, root: u32, instance: u32, found: TriangleHit, key: RayKey) -> TriangleHit {
  var best = found;
  let t_max = found.t;
  let inv_dir = safe_inverse(dir);
  var node = load_node(root);
  if (intersect_box(origin, inv_dir, node.bounds_min, node.bounds_max, t_max) >= NO_HIT) {
    return best;
  }
  var stack_node: array<u32, BVH_STACK_SIZE>;
  var stack_t: array<f32, BVH_STACK_SIZE>;
  var depth = 0u;
  loop {
    if (node.triangle_count > 0u) {
      let end = node.left_or_first + node.triangle_count;
      for (var i = node.left_or_first; i < end; i++) {
        let tri = load_triangle(i);
        let hit = intersect_triangle(origin, dir, tri, best.t);
        if (hit.x < best.t && (!SCENE_PASS_THROUGH || tri.flags == 0u || hit_counts(key, dir, tri, i, hit))) {
          best = TriangleHit(hit.x, hit.y, hit.z, i, instance);
        }
      }
    } else {
      let first_child = node.left_or_first;
      let left = load_node(first_child);
      let right = load_node(first_child + 1u);
      let t_left = intersect_box(origin, inv_dir, left.bounds_min, left.bounds_max, best.t);
      let t_right = intersect_box(origin, inv_dir, right.bounds_min, right.bounds_max, best.t);
      if (t_left < NO_HIT && t_right < NO_HIT) {
        let left_first = t_left <= t_right;
        if (left_first) {
          node = left;
        } else {
          node = right;
        }
        // The host guarantees depth < BVH_STACK_SIZE; the guard only keeps a corrupt tree from writing
        // out of bounds (WGSL would clamp the index anyway).
        if (depth < BVH_STACK_SIZE) {
          stack_node[depth] = first_child + select(0u, 1u, left_first);
          stack_t[depth] = select(t_left, t_right, left_first);
          depth++;
        }
        continue;
      }
      if (t_left < NO_HIT) {
        node = left;
        continue;
      }
      if (t_right < NO_HIT) {
        node = right;
        continue;
      }
    }
    // Pop the next pending subtree that can still hold a closer hit.
    var found = false;
    while (depth > 0u) {
      depth--;
      if (stack_t[depth] < best.t) {
        node = load_node(stack_node[depth]);
        found = true;
        break;
      }
    }
    if (!found) {
      break;
    }
  }
  return best;
}

// The top level: instances' world boxes, nearest first, each instance's BVH walked in its object space.
fn trace_closest_instances(origin: vec3f, dir: vec3f, none: TriangleHit, key: RayKey) -> TriangleHit {
  var best = none;
  let inv_dir = safe_inverse(dir);
  var node = load_tlas_node(0u);
  if (intersect_box(origin, inv_dir, node.bounds_min, node.bounds_max, best.t) >= NO_HIT) {
    return best;
  }
  var stack_node: array<u32, BVH_STACK_SIZE>;
  var stack_t: array<f32, BVH_STACK_SIZE>;
  var depth = 0u;
  loop {
    if (node.triangle_count > 0u) {
      let end = node.left_or_first + node.triangle_count;
      for (var i = node.left_or_first; i < end; i++) {
        let instance = tlas_instance(i);
        let slot = load_instance(instance);
        let local_origin = apply_point(slot.to_object, origin);
        let local_dir = apply_vector(slot.to_object, dir);
        best = trace_closest_in(local_origin, local_dir, slot.root_node, instance, best, key);
      }
    } else {
      let first_child = node.left_or_first;
      let left = load_tlas_node(first_child);
      let right = load_tlas_node(first_child + 1u);
      let t_left = intersect_box(origin, inv_dir, left.bounds_min, left.bounds_max, best.t);
      let t_right = intersect_box(origin, inv_dir, right.bounds_min, right.bounds_max, best.t);
      if (t_left < NO_HIT && t_right < NO_HIT) {
        let left_first = t_left <= t_right;
        if (left_first) {
          node = left;
        } else {
          node = right;
        }
        if (depth < BVH_STACK_SIZE) {
          stack_node[depth] = first_child + select(0u, 1u, left_first);
          stack_t[depth] = select(t_left, t_right, left_first);
          depth++;
        }
        continue;
      }
      if (t_left < NO_HIT) {
        node = left;
        continue;
      }
      if (t_right < NO_HIT) {
        node = right;
        continue;
      }
    }
    var found = false;
    while (depth > 0u) {
      depth--;
      if (stack_t[depth] < best.t) {
        node = load_tlas_node(stack_node[depth]);
        found = true;
        break;
      }
    }
    if (!found) {
      break;
    }
  }
  return best;
}

// Whether anything blocks the ray within (0, t_max): shadow rays need no closest hit, so the walk stops at
// the first triangle it finds and visits children in stored order.
fn trace_any(origin: vec3f, dir: vec3f, t_max: f32, key: RayKey) -> bool {
  if (!frame_instanced()) {
    return trace_any_in(origin, dir, t_max, 0u, key);
  }
  return trace_any_instances(origin, dir, t_max, key);
}

// Whether anything in the BVH rooted at node `root` blocks the ray within (0, t_max).
fn trace_any_in(origin: vec3f, dir: vec3f, t_max: f32, root: u32, key: RayKey) -> bool {
  let inv_dir = safe_inverse(dir);
  var node = load_node(root);
  if (intersect_box(origin, inv_dir, node.bounds_min, node.bounds_max, t_max) >= NO_HIT) {
    return false;
  }
  var stack_node: array<u32, BVH_STACK_SIZE>;
  var depth = 0u;
  loop {
    if (node.triangle_count > 0u) {
      let end = node.left_or_first + node.triangle_count;
      for (var i = node.left_or_first; i < end; i++) {
        let tri = load_triangle(i);
        let hit = intersect_triangle(origin, dir, tri, t_max);
        if (hit.x < NO_HIT && (!SCENE_PASS_THROUGH || tri.flags == 0u || hit_counts(key, dir, tri, i, hit))) {
          return true;
        }
      }
    } else {
      let first_child = node.left_or_first;
      let left = load_node(first_child);
      let right = load_node(first_child + 1u);
      let hit_left = intersect_box(origin, inv_dir, left.bounds_min, left.bounds_max, t_max) < NO_HIT;
      let hit_right = intersect_box(origin, inv_dir, right.bounds_min, right.bounds_max, t_max) < NO_HIT;
      if (hit_left && hit_right) {
        node = left;
        if (depth < BVH_STACK_SIZE) {
          stack_node[depth] = first_child + 1u;
          depth++;
        }
        continue;
      }
      if (hit_left) {
        node = left;
        continue;
      }
      if (hit_right) {
        node = right;
        continue;
      }
    }
    if (depth == 0u) {
      break;
    }
    depth--;
    node = load_node(stack_node[depth]);
  }
  return false;
}

// The top level for shadow rays: the first instance that blocks the ray ends the walk.
fn trace_any_instances(origin: vec3f, dir: vec3f, t_max: f32, key: RayKey) -> bool {
  let inv_dir = safe_inverse(dir);
  var node = load_tlas_node(0u);
  if (intersect_box(origin, inv_dir, node.bounds_min, node.bounds_max, t_max) >= NO_HIT) {
    return false;
  }
  var stack_node: array<u32, BVH_STACK_SIZE>;
  var depth = 0u;
  loop {
    if (node.triangle_count > 0u) {
      let end = node.left_or_first + node.triangle_count;
      for (var i = node.left_or_first; i < end; i++) {
        let slot = load_instance(tlas_instance(i));
        let local_origin = apply_point(slot.to_object, origin);
        let local_dir = apply_vector(slot.to_object, dir);
        if (trace_any_in(local_origin, local_dir, t_max, slot.root_node, key)) {
          return true;
        }
      }
    } else {
      let first_child = node.left_or_first;
      let left = load_tlas_node(first_child);
      let right = load_tlas_node(first_child + 1u);
      let hit_left = intersect_box(origin, inv_dir, left.bounds_min, left.bounds_max, t_max) < NO_HIT;
      let hit_right = intersect_box(origin, inv_dir, right.bounds_min, right.bounds_max, t_max) < NO_HIT;
      if (hit_left && hit_right) {
        node = left;
        if (depth < BVH_STACK_SIZE) {
          stack_node[depth] = first_child + 1u;
          depth++;
        }
        continue;
      }
      if (hit_left) {
        node = left;
        continue;
      }
      if (hit_right) {
        node = right;
        continue;
      }
    }
    if (depth == 0u) {
      break;
    }
    depth--;
    node = load_tlas_node(stack_node[depth]);
  }
  return false;
}

// ---- Hits in world space ----
// A hit's triangle, normals and emission density as the frame places them. In a still scene these are the
// packed values themselves (the same arithmetic as before instances existed, so stills keep their bits).

// The hit triangle in world space: v0 and both edges carried by the instance's transform.
fn hit_triangle(hit: TriangleHit) -> Triangle {
  var tri = load_triangle(hit.triangle);
  if (frame_instanced()) {
    let slot = load_instance(hit.instance);
    tri.v0 = object_to_world_point(slot, tri.v0);
    tri.edge1 = object_to_world_vector(slot, tri.edge1);
    tri.edge2 = object_to_world_vector(slot, tri.edge2);
  }
  return tri;
}

// The unit front-face normal of a world-space hit triangle: cross(edge1, edge2), turned around under a
// mirroring transform (which reverses the winding; glTF 2.0 3.7.4).
fn hit_face_normal(hit: TriangleHit, tri: Triangle) -> vec3f {
  let n = normalize(cross(tri.edge1, tri.edge2));
  if (frame_instanced()) {
    return n * load_instance(hit.instance).handedness;
  }
  return n;
}

// The emitted luminance per unit of world area that emissive_pdf expects: the light table weighs a
// triangle by its object-space area (packScene), so a transform that scales the area by A_world / A_object
// scales the density by the inverse.
fn hit_emitted_luminance(hit: TriangleHit, tri: Triangle) -> f32 {
  if (!frame_instanced()) {
    return tri.emitted_luminance;
  }
  let packed = load_triangle(hit.triangle);
  let world_area = length(cross(tri.edge1, tri.edge2));
  let object_area = length(cross(packed.edge1, packed.edge2));
  return select(0.0, tri.emitted_luminance * object_area / world_area, world_area > 0.0);
}

// A shading normal from shade_hit (object space) in world space, by the inverse transpose.
fn hit_shading_normal(hit: TriangleHit, normal: vec3f) -> vec3f {
  if (!frame_instanced()) {
    return normal;
  }
  return normalize(object_to_world_normal(load_instance(hit.instance), normal));
}


// A ray origin just off a surface point, on the side the normal points to, robust at every scale:
// Wächter & Binder, "A Fast and Robust Method for Avoiding Self-Intersection" (Ray Tracing Gems, 2019).
// Far from the origin it moves the point by a few ulps (integer steps of the float's bits); near the origin,
// where ulps are tiny, by a small fixed distance.
fn offset_ray_origin(p: vec3f, n: vec3f) -> vec3f {
  let of_i = vec3i(256.0 * n);
  let p_i = bitcast<vec3f>(bitcast<vec3i>(p) + select(of_i, -of_i, p < vec3f(0.0)));
  return select(p_i, p + (1.0 / 65536.0) * n, abs(p) < vec3f(1.0 / 32.0));
}
