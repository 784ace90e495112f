import type { Lens, PixelFilter } from '../protocol/render-task';
import type { CameraDescription, Vec3 } from '../scene/scene-description';

/**
 * The camera as the kernel uses it (shaders/camera.wgsl: keep the two in step) (Params in shaders/params.wgsl): a ray through normalised device
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

/** The Gaussian pixel filter's standard deviation and truncation radius, in pixels (shaders/camera.wgsl). */
export const GAUSSIAN_FILTER = { sigma: 0.5, radius: 1.5 } as const;

/**
 * Offset of a camera sample's film point from its pixel's top-left corner, in pixels, for the two random
 * lanes u in [0, 1)² (pixel_filter_offset in shaders/camera.wgsl). 'box': u itself. 'gaussian': radius by
 * the inverse CDF of the disc-truncated Gaussian, angle 2π u[1], around the pixel centre.
 */
export function pixelFilterOffset(filter: PixelFilter, u: readonly [number, number]): [number, number] {
  if (filter === 'box') return [u[0], u[1]];
  const { sigma, radius } = GAUSSIAN_FILTER;
  const tail = 1 - Math.exp((-radius * radius) / (2 * sigma * sigma));
  const r = sigma * Math.sqrt(Math.max(0, -2 * Math.log(1 - u[0] * tail)));
  const phi = 2 * Math.PI * u[1];
  return [0.5 + r * Math.cos(phi), 0.5 + r * Math.sin(phi)];
}

/** The film-offset density of a pixel filter at offset (dx, dy) pixels from the pixel centre. */
export function pixelFilterDensity(filter: PixelFilter, dx: number, dy: number): number {
  if (filter === 'box') return Math.abs(dx) <= 0.5 && Math.abs(dy) <= 0.5 ? 1 : 0;
  const { sigma, radius } = GAUSSIAN_FILTER;
  const r2 = dx * dx + dy * dy;
  if (r2 > radius * radius) return 0;
  const tail = 1 - Math.exp((-radius * radius) / (2 * sigma * sigma));
  return Math.exp(-r2 / (2 * sigma * sigma)) / (2 * Math.PI * sigma * sigma * tail);
}

/** A point of the unit disc, uniform by area (Shirley and Chiu's concentric mapping, as camera.wgsl). */
export function concentricDisc(u: readonly [number, number]): [number, number] {
  const ax = 2 * u[0] - 1;
  const ay = 2 * u[1] - 1;
  if (ax === 0 && ay === 0) return [0, 0];
  if (Math.abs(ax) > Math.abs(ay)) {
    const phi = (Math.PI / 4) * (ay / ax);
    return [ax * Math.cos(phi), ax * Math.sin(phi)];
  }
  const phi = Math.PI / 2 - (Math.PI / 4) * (ax / ay);
  return [ay * Math.cos(phi), ay * Math.sin(phi)];
}

/**
 * Radius in pixels of the circle of confusion of a point `distance` ahead of a thin lens (along the view
 * direction): the lens radius times |1 - focus / distance| on the focus plane, in pixels of an image
 * `height` pixels tall.
 */
export function circleOfConfusionPixels(
  lens: Lens,
  camera: Pick<CameraDescription, 'yfov'>,
  height: number,
  distance: number,
): number {
  const onFocusPlane = lens.apertureRadius * Math.abs(1 - lens.focusDistance / distance);
  return (onFocusPlane * height) / (2 * lens.focusDistance * Math.tan(camera.yfov / 2));
}

/**
 * The camera ray for film point (px, py) (pixels from top-left) and lens lanes u (camera_ray in
 * shaders/camera.wgsl): origin and unnormalised direction. Without a lens it is the pinhole ray.
 */
export function thinLensRay(
  basis: CameraBasis,
  width: number,
  height: number,
  px: number,
  py: number,
  lens: Lens | undefined,
  u: readonly [number, number],
): { origin: Vec3; direction: Vec3 } {
  const pinhole = cameraRay(basis, width, height, px, py);
  if (!lens || !(lens.apertureRadius > 0)) return { origin: [...basis.position], direction: pinhole };
  const [lx, ly] = concentricDisc(u).map((c) => c * lens.apertureRadius) as [number, number];
  const r = scale(basis.right, 1 / length(basis.right));
  const up = scale(basis.up, 1 / length(basis.up));
  const p = basis.position;
  const origin: Vec3 = [
    p[0] + lx * r[0] + ly * up[0],
    p[1] + lx * r[1] + ly * up[1],
    p[2] + lx * r[2] + ly * up[2],
  ];
  const focus: Vec3 = [
    p[0] + lens.focusDistance * pinhole[0],
    p[1] + lens.focusDistance * pinhole[1],
    p[2] + lens.focusDistance * pinhole[2],
  ];
  return { origin, direction: sub(focus, origin) };
}
