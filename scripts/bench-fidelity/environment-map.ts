/**
 * The HDR environment bench:fidelity lights its HDR scene with, generated (deterministically, no file to
 * license) and written as a Radiance .hdr: a sky gradient over a brown ground, a red wash towards -x, a green
 * one towards +z and a small bright sun, so that any mirror or rotation of the map between the renderers
 * shows. Equirectangular in three's convention (lib/protocol/render-task.ts on the map-environment branch
 * states it as ours too): column u at azimuth φ = atan2(z, x) = 2π(u - ½), row v at polar angle θ = πv from
 * +y (top row up).
 */
import type { Vec3 } from '../../lib/scene/scene-description';

export const MAP_WIDTH = 256;
export const MAP_HEIGHT = 128;

/** Where the sun is: azimuth 40° from +x towards +z, 35° above the horizon. */
const SUN: Vec3 = (() => {
  const [az, el] = [(40 * Math.PI) / 180, (35 * Math.PI) / 180];
  return [Math.cos(el) * Math.cos(az), Math.sin(el), Math.cos(el) * Math.sin(az)];
})();

/** Radiance arriving from unit direction d. */
function radiance(d: Vec3): Vec3 {
  const [x, y, z] = d;
  const up = Math.sqrt(Math.max(0, y));
  const sky: Vec3 =
    y > 0 ? [1.0 + (0.3 - 1.0) * up, 0.9 + (0.45 - 0.9) * up, 0.8 + (0.9 - 0.8) * up] : [0.3, 0.25, 0.2];
  const red = Math.max(0, -x) ** 2;
  const green = Math.max(0, z) ** 2;
  const sun = 40 * Math.exp(200 * (x * SUN[0] + y * SUN[1] + z * SUN[2] - 1));
  return [
    sky[0] + 0.8 * red + 0.1 * green + sun,
    sky[1] + 0.1 * red + 0.6 * green + 0.95 * sun,
    sky[2] + 0.1 * red + 0.1 * green + 0.85 * sun,
  ];
}

/** The unit direction at map coordinates (u, v) in [0, 1]², in the convention above. */
export function mapDirection(u: number, v: number): Vec3 {
  const phi = 2 * Math.PI * (u - 0.5);
  const theta = Math.PI * v;
  return [Math.sin(theta) * Math.cos(phi), Math.cos(theta), Math.sin(theta) * Math.sin(phi)];
}

/** The map as RGBE bytes, one pixel per 4 bytes (the Radiance format's shared-exponent encoding). */
function rgbe(r: number, g: number, b: number): [number, number, number, number] {
  const peak = Math.max(r, g, b);
  if (peak < 1e-32) return [0, 0, 0, 0];
  // frexp: peak = m · 2^e with m in [½, 1), so each channel's byte is c · 256 / 2^e < 256.
  const e = Math.floor(Math.log2(peak)) + 1;
  const scale = 256 / 2 ** e;
  const q = (c: number) => Math.min(255, Math.floor(c * scale));
  return [q(r), q(g), q(b), e + 128];
}

export interface EnvironmentMap {
  /** The .hdr file: header plus flat (not run-length encoded) RGBE scanlines, top row first. */
  file: Uint8Array;
  /** What a reader decodes from `file`: linear RGB, 3 floats a pixel, top row first. */
  rgb: Float32Array;
  width: number;
  height: number;
}

export function buildEnvironmentMap(): EnvironmentMap {
  const [width, height] = [MAP_WIDTH, MAP_HEIGHT];
  const header = new TextEncoder().encode(
    `#?RADIANCE\n# bench:fidelity sky (generated)\nFORMAT=32-bit_rle_rgbe\n\n-Y ${height} +X ${width}\n`,
  );
  const file = new Uint8Array(header.length + width * height * 4);
  file.set(header);
  const rgb = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const bytes = rgbe(...radiance(mapDirection((x + 0.5) / width, (y + 0.5) / height)));
      file.set(bytes, header.length + p * 4);
      const f = bytes[3] === 0 ? 0 : 2 ** (bytes[3] - 136);
      for (let c = 0; c < 3; c++) rgb[p * 3 + c] = ((bytes[c] as number) + 0.5) * f;
    }
  }
  return { file, rgb, width, height };
}

/**
 * The map's radiance towards unit direction d, bilinear between texel centres (wrapping in u, clamped in
 * v), as a texture unit would filter it. `mirror` and `turnDegrees` read the map wrongly on purpose (u
 * mirrored, or turned about +y), so that the orientation probe can show how far each misreading lies.
 */
export function lookup(map: EnvironmentMap, d: Vec3, mirror = false, turnDegrees = 0): Vec3 {
  let u = Math.atan2(d[2], d[0]) / (2 * Math.PI) + 0.5;
  if (mirror) u = 1 - u;
  u += turnDegrees / 360;
  const v = Math.acos(Math.max(-1, Math.min(1, d[1]))) / Math.PI;
  const fx = u * map.width - 0.5;
  const fy = Math.max(0, Math.min(map.height - 1, v * map.height - 0.5));
  const [x0, y0] = [Math.floor(fx), Math.floor(fy)];
  const [tx, ty] = [fx - x0, fy - y0];
  const out: Vec3 = [0, 0, 0];
  for (const [dx, dy, w] of [
    [0, 0, (1 - tx) * (1 - ty)],
    [1, 0, tx * (1 - ty)],
    [0, 1, (1 - tx) * ty],
    [1, 1, tx * ty],
  ] as const) {
    const x = (((x0 + dx) % map.width) + map.width) % map.width;
    const y = Math.min(map.height - 1, y0 + dy);
    for (let c = 0; c < 3; c++)
      out[c] = (out[c] as number) + w * (map.rgb[(y * map.width + x) * 3 + c] as number);
  }
  return out;
}
