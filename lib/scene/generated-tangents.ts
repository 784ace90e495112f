/**
 * Tangents for normal mapping where a file has no TANGENT attribute: one per triangle, from its UV
 * derivatives (the tangent is dP/du; glTF's bitangent is cross(normal, tangent) x w, and w is chosen so that
 * it points along -dP/dv, towards the top of the image, as the glTF sample viewer's derivative frame does).
 * MikkTSpace would give smooth per-vertex tangents; per-triangle ones are exact on flat and planar-mapped
 * surfaces and show facets only where a normal map is stretched over a curved, coarse mesh. The shader
 * orthogonalises the tangent against the interpolated normal at every hit.
 */

/** [tx, ty, tz, w] for triangle `t` of 9-floats-a-triangle `positions` and 6-floats-a-triangle `uvs`. */
export function generatedTangent(
  positions: Float32Array,
  uvs: Float32Array,
  t: number,
): [number, number, number, number] {
  const p = (i: number) => positions[t * 9 + i] as number;
  const q = (i: number) => uvs[t * 6 + i] as number;
  const e1 = [p(3) - p(0), p(4) - p(1), p(5) - p(2)];
  const e2 = [p(6) - p(0), p(7) - p(1), p(8) - p(2)];
  const du1 = q(2) - q(0);
  const dv1 = q(3) - q(1);
  const du2 = q(4) - q(0);
  const dv2 = q(5) - q(1);
  const r = du1 * dv2 - du2 * dv1;
  const n = cross(e1, e2);
  if (r === 0 || !Number.isFinite(r)) return [...anyPerpendicular(n), 1];
  const dpdu = [0, 1, 2].map((a) => ((e1[a] as number) * dv2 - (e2[a] as number) * dv1) / r);
  const dpdv = [0, 1, 2].map((a) => ((e2[a] as number) * du1 - (e1[a] as number) * du2) / r);
  const length = Math.hypot(dpdu[0] as number, dpdu[1] as number, dpdu[2] as number);
  if (!(length > 0) || !Number.isFinite(length)) return [...anyPerpendicular(n), 1];
  const b = cross(n, dpdu);
  const w = dot(b, dpdv) > 0 ? -1 : 1;
  return [(dpdu[0] as number) / length, (dpdu[1] as number) / length, (dpdu[2] as number) / length, w];
}

function cross(a: number[], b: number[]): number[] {
  const [ax, ay, az] = a as [number, number, number];
  const [bx, by, bz] = b as [number, number, number];
  return [ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx];
}

const dot = (a: number[], b: number[]) =>
  (a[0] as number) * (b[0] as number) +
  (a[1] as number) * (b[1] as number) +
  (a[2] as number) * (b[2] as number);

/** A unit vector perpendicular to n (any, when the UVs give no direction). */
function anyPerpendicular(n: number[]): [number, number, number] {
  const [x, y, z] = n as [number, number, number];
  const t = Math.abs(x) < 0.9 ? [0, -z, y] : [z, 0, -x];
  const l = Math.hypot(t[0] as number, t[1] as number, t[2] as number);
  return l > 0 ? [(t[0] as number) / l, (t[1] as number) / l, (t[2] as number) / l] : [1, 0, 0];
}
