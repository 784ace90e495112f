import { describe, expect, it } from 'vitest';
import type { CameraDescription } from '../scene/scene-description';
import {
  cameraBasis,
  cameraRay,
  circleOfConfusionPixels,
  concentricDisc,
  pixelFilterDensity,
  pixelFilterOffset,
  thinLensRay,
} from './camera';

const camera: CameraDescription = { position: [1, 2, 3], target: [1, 2, -1], up: [0, 1, 0], yfov: 0.8 };

describe('camera (the TypeScript mirror of shaders/camera.wgsl)', () => {
  it('the box filter is the jitter itself; the Gaussian stays within 1.5 px of the centre', () => {
    expect(pixelFilterOffset('box', [0.25, 0.75])).toEqual([0.25, 0.75]);
    for (let i = 0; i < 100; i++) {
      const [x, y] = pixelFilterOffset('gaussian', [i / 100, ((i * 37) % 100) / 100]);
      expect(Math.hypot(x - 0.5, y - 0.5)).toBeLessThanOrEqual(1.5 + 1e-9);
    }
  });

  it('draws Gaussian offsets with the density it claims (radial histogram)', () => {
    const n = 200;
    const bins = new Float64Array(6);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const [x, y] = pixelFilterOffset('gaussian', [(i + 0.5) / n, (j + 0.5) / n]);
        const b = Math.min(5, Math.floor(Math.hypot(x - 0.5, y - 0.5) / 0.25));
        bins[b] = (bins[b] as number) + 1 / (n * n);
      }
    }
    bins.forEach((got, b) => {
      // Expected mass of the ring [0.25 b, 0.25 (b + 1)) by integrating the density over radius.
      let mass = 0;
      const steps = 400;
      for (let k = 0; k < steps; k++) {
        const r = 0.25 * (b + (k + 0.5) / steps);
        mass += pixelFilterDensity('gaussian', r, 0) * 2 * Math.PI * r * (0.25 / steps);
      }
      // The radius lane is stratified in n steps: a ring's edge is off by at most 1 / n of the mass.
      expect(Math.abs(got - mass)).toBeLessThan(1 / n + 1e-3);
    });
  });

  it('maps the unit square onto the unit disc', () => {
    for (const u of [
      [0, 0],
      [0.5, 0.5],
      [0.9, 0.1],
      [0.999, 0.999],
    ] as const) {
      expect(Math.hypot(...concentricDisc(u))).toBeLessThanOrEqual(1 + 1e-12);
    }
    expect(concentricDisc([0.5, 0.5])).toEqual([0, 0]);
  });

  it('thin-lens rays from any lens point meet the pinhole ray on the focus plane', () => {
    const basis = cameraBasis(camera, 64, 32);
    const lens = { apertureRadius: 0.3, focusDistance: 5 };
    const pinhole = cameraRay(basis, 64, 32, 10.5, 20.25);
    const focus = camera.position.map((p, i) => p + 5 * (pinhole[i] as number));
    for (const u of [
      [0.1, 0.9],
      [0.7, 0.3],
    ] as const) {
      const { origin, direction } = thinLensRay(basis, 64, 32, 10.5, 20.25, lens, u);
      // origin + t·direction reaches the focus point at t = 1 (direction = focus − origin).
      origin.forEach((o, i) => {
        expect(o + (direction[i] as number)).toBeCloseTo(focus[i] as number, 12);
      });
      expect(Math.hypot(origin[0] - 1, origin[1] - 2, origin[2] - 3)).toBeGreaterThan(0);
    }
    // No lens: the pinhole.
    expect(thinLensRay(basis, 64, 32, 10.5, 20.25, undefined, [0.1, 0.9]).origin).toEqual([1, 2, 3]);
    // A point twice the focus distance blurs into lens radius × ½ on the focus plane.
    const r = circleOfConfusionPixels(lens, camera, 32, 10);
    expect(r).toBeCloseTo((0.3 * 0.5 * 32) / (2 * 5 * Math.tan(0.4)), 12);
  });
});
