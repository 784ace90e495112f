import type { BuiltInEnvironmentMapId } from '../protocol/environment-maps';
import { encodeHdr, type RadianceImage } from './radiance-hdr';

/**
 * The built-in environment maps, generated procedurally (deterministic: plain float64 arithmetic, then
 * RGBE): their .hdr bytes and so their hashes follow the code, as the demo scenes' do. Equirectangular,
 * 512 x 256, in the convention of Environment 'map' (lib/protocol/render-task.ts): column u is the azimuth
 * atan2(z, x) = 2π(u - ½), row v the polar angle from +y.
 */
export const BUILT_IN_ENVIRONMENT_TITLES: Record<BuiltInEnvironmentMapId, string> = {
  sunset: 'Sunset sky with sun',
  studio: 'Studio softboxes',
};

const WIDTH = 512;
const HEIGHT = 256;

function generate(radiance: (dir: [number, number, number]) => [number, number, number]): RadianceImage {
  const rgb = new Float32Array(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    const theta = (Math.PI * (y + 0.5)) / HEIGHT;
    for (let x = 0; x < WIDTH; x++) {
      const phi = 2 * Math.PI * ((x + 0.5) / WIDTH - 0.5);
      const dir: [number, number, number] = [
        Math.sin(theta) * Math.cos(phi),
        Math.cos(theta),
        Math.sin(theta) * Math.sin(phi),
      ];
      rgb.set(radiance(dir), (y * WIDTH + x) * 3);
    }
  }
  return { width: WIDTH, height: HEIGHT, rgb };
}

const dot = (a: readonly number[], b: readonly number[]) =>
  (a[0] as number) * (b[0] as number) +
  (a[1] as number) * (b[1] as number) +
  (a[2] as number) * (b[2] as number);
const mix = (a: readonly number[], b: readonly number[], t: number): [number, number, number] => [
  (a[0] as number) + ((b[0] as number) - (a[0] as number)) * t,
  (a[1] as number) + ((b[1] as number) - (a[1] as number)) * t,
  (a[2] as number) + ((b[2] as number) - (a[2] as number)) * t,
];
function normalize(v: [number, number, number]): [number, number, number] {
  const l = Math.hypot(...v);
  return [v[0] / l, v[1] / l, v[2] / l];
}

/**
 * A low sun 8° above the horizon towards +x, -z (a disc of 1.5° radius and radiance 2000, warm white:
 * about 4.3 of irradiance at normal incidence against the sky's 1 to 2, as a real low sun), a sky from deep
 * blue at the zenith to orange at the horizon, brighter around the sun, and a dim brown ground.
 */
function sunset(dir: [number, number, number]): [number, number, number] {
  const sun = normalize([Math.cos(Math.PI / 4), Math.sin((8 * Math.PI) / 180), -Math.cos(Math.PI / 4)]);
  const cosSun = dot(dir, sun);
  if (cosSun > Math.cos((1.5 * Math.PI) / 180)) return [2000, 1500, 900];
  const y = dir[1];
  if (y < 0) return mix([0.35, 0.22, 0.12], [0.08, 0.06, 0.05], Math.min(1, Math.sqrt(-y) * 1.5));
  const sky = mix([1.6, 0.75, 0.3], [0.12, 0.2, 0.45], Math.sqrt(y));
  const glow = 2.5 * Math.max(0, cosSun) ** 24;
  return [sky[0] + glow, sky[1] + 0.6 * glow, sky[2] + 0.25 * glow];
}

/**
 * A dark grey room with three rectangular softboxes (key, fill, rim) of uniform radiance and a faint
 * ceiling bounce: the lighting product shots are made in.
 */
function studio(dir: [number, number, number]): [number, number, number] {
  const phi = Math.atan2(dir[2], dir[0]);
  const elevation = Math.asin(Math.max(-1, Math.min(1, dir[1])));
  const deg = 180 / Math.PI;
  const box = (centrePhi: number, centreElevation: number, halfWidth: number, halfHeight: number) => {
    let dPhi = phi * deg - centrePhi;
    dPhi -= 360 * Math.round(dPhi / 360);
    return Math.abs(dPhi) <= halfWidth && Math.abs(elevation * deg - centreElevation) <= halfHeight;
  };
  if (box(45, 30, 12, 18)) return [40, 40, 38]; // key, front right above
  if (box(150, 15, 10, 20)) return [12, 12, 13]; // fill, front left
  if (box(-90, 40, 20, 6)) return [25, 25, 25]; // rim strip behind
  const base = 0.03 + 0.05 * Math.max(0, dir[1]);
  return [base, base, base];
}

const GENERATORS: Record<
  BuiltInEnvironmentMapId,
  (dir: [number, number, number]) => [number, number, number]
> = {
  sunset,
  studio,
};

/** The built-in map's decoded image. */
export function builtInEnvironmentImage(id: BuiltInEnvironmentMapId): RadianceImage {
  return generate(GENERATORS[id]);
}

/** The built-in map's .hdr file (RLE): what is stored, hashed and served. */
export function builtInEnvironmentFile(id: BuiltInEnvironmentMapId): Uint8Array<ArrayBuffer> {
  return encodeHdr(builtInEnvironmentImage(id));
}
