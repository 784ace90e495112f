import type { CameraDescription, Vec3 } from '../scene/scene-description';

/**
 * The pinhole camera as the kernel uses it (Params in shaders/params.wgsl): a ray through normalised device
 * coordinates (x, y) in [-1, 1]² (y up) has direction normalize(forward + x·right + y·up). `right` and `up`
 * are scaled so that the image's edges lie at the field of view: |up| = tan(yfov / 2) and
 * |right| = tan(yfov / 2) · width / height (square pixels).
 */
export interface CameraBasis {
  position: Vec3;
  forward: Vec3;
  right: Vec3;
  up: Vec3;
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
const length = (a: Vec3): number => Math.hypot(a[0], a[1], a[2]);

/** Computed in float64 on the host, so every contributor's kernel gets the same float32 inputs. */
export function cameraBasis(camera: CameraDescription, width: number, height: number): CameraBasis {
  const view = sub(camera.target, camera.position);
  const viewLength = length(view);
  if (!(viewLength > 0)) throw new Error('The camera target coincides with its position: no view direction.');
  const forward = scale(view, 1 / viewLength);
  let right = cross(forward, camera.up);
  // An `up` parallel to the view (looking straight up or down) leaves no horizon to align with: any
  // perpendicular will do, and a fixed choice keeps the result deterministic.
  if (length(right) < 1e-9) right = cross(forward, Math.abs(forward[0]) < 0.9 ? [1, 0, 0] : [0, 0, 1]);
  right = scale(right, 1 / length(right));
  const up = cross(right, forward);
  const tanHalf = Math.tan(camera.yfov / 2);
  return {
    position: [...camera.position],
    forward,
    right: scale(right, tanHalf * (width / height)),
    up: scale(up, tanHalf),
  };
}

/** The (unnormalised) direction of the camera ray through image point (px, py), in pixels from top-left. */
export function cameraRay(basis: CameraBasis, width: number, height: number, px: number, py: number): Vec3 {
  const x = (px / width) * 2 - 1;
  const y = 1 - (py / height) * 2;
  const { forward: f, right: r, up: u } = basis;
  return [f[0] + x * r[0] + y * u[0], f[1] + x * r[1] + y * u[1], f[2] + x * r[2] + y * u[2]];
}
