/**
 * Which pixels see an emitter directly. The peer's lights are invisible to camera rays, so when it renders
 * with lights alone ('light-only'), errors are compared without these pixels.
 */
import { cameraBasis, cameraRay } from '../../lib/render/camera';
import type { SceneDescription, Vec3 } from '../../lib/scene/scene-description';

/** Sub-samples per pixel side: enough to catch an emitter that covers a sliver of the footprint. */
const GRID = 8;

/**
 * 1 for every pixel whose footprint sees an emissive triangle, else 0. The footprint is the pixel widened
 * by one pixel on each side (the peer's tent filter reaches that far). Occlusion is ignored, which is right
 * for the built-in boxes, whose light is in plain view; elsewhere it masks too much, never too little.
 */
export function emitterMask(scene: SceneDescription, width: number, height: number): Uint8Array {
  const emissive = scene.materials.map((m) => Math.max(...m.emissive) > 0);
  const triangles: [Vec3, Vec3, Vec3][] = [];
  for (let t = 0; t < scene.materialIndices.length; t++) {
    if (!emissive[scene.materialIndices[t] as number]) continue;
    const p = (k: number): Vec3 => [
      scene.positions[t * 9 + k * 3] as number,
      scene.positions[t * 9 + k * 3 + 1] as number,
      scene.positions[t * 9 + k * 3 + 2] as number,
    ];
    triangles.push([p(0), p(1), p(2)]);
  }
  const basis = cameraBasis(scene.camera, width, height);
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let seen = false;
      for (let s = 0; s < GRID * GRID && !seen; s++) {
        const px = x - 1 + ((s % GRID) + 0.5) * (3 / GRID);
        const py = y - 1 + (Math.floor(s / GRID) + 0.5) * (3 / GRID);
        const dir = cameraRay(basis, width, height, px, py);
        seen = triangles.some((tri) => hits(basis.position, dir, tri));
      }
      mask[y * width + x] = seen ? 1 : 0;
    }
  }
  return mask;
}

/** Möller–Trumbore, either side, t > 0. */
function hits(origin: Vec3, dir: Vec3, [a, b, c]: [Vec3, Vec3, Vec3]): boolean {
  const e1 = sub(b, a);
  const e2 = sub(c, a);
  const p = cross(dir, e2);
  const det = dot(e1, p);
  if (Math.abs(det) < 1e-12) return false;
  const s = sub(origin, a);
  const u = dot(s, p) / det;
  if (u < 0 || u > 1) return false;
  const q = cross(s, e1);
  const v = dot(dir, q) / det;
  if (v < 0 || u + v > 1) return false;
  return dot(e2, q) / det > 0;
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
