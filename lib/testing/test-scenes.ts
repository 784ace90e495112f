/**
 * Small SceneDescription builders for the renderer's tests: quads, spheres, materials with defaults. Kept
 * apart from the demo scenes (lib/scene/demo-scenes.ts) because tests need geometry whose answer is known
 * in closed form, not good looks.
 */
import type { Environment, RenderTask, Rgb } from '../protocol/render-task';
import { CHANNEL, RESULT_CHANNELS } from '../protocol/result-layout';
import type { PathTracer } from '../render/path-tracer';
import { packScene } from '../scene/pack-scene';
import type { PackedScene } from '../scene/packed-scene';
import {
  type CameraDescription,
  DEFAULT_MATERIAL,
  type MaterialDescription,
  type PunctualLightDescription,
  type SceneDescription,
  type TextureDescription,
  type Vec3,
} from '../scene/scene-description';

export function material(overrides: Partial<MaterialDescription> = {}): MaterialDescription {
  return { ...DEFAULT_MATERIAL, name: overrides.name ?? 'test', ...overrides };
}

const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const normalize = (a: Vec3): Vec3 => {
  const l = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / l, a[1] / l, a[2] / l];
};

interface Vertex {
  p: Vec3;
  n: Vec3;
  uv: [number, number];
}

/** Collects triangles; `build` turns them into a SceneDescription. */
export class SceneBuilder {
  private readonly triangles: { v: [Vertex, Vertex, Vertex]; material: number }[] = [];
  readonly materials: MaterialDescription[] = [];
  readonly textures: TextureDescription[] = [];
  readonly punctualLights: PunctualLightDescription[] = [];

  addMaterial(m: MaterialDescription): number {
    this.materials.push(m);
    return this.materials.length - 1;
  }

  addTexture(t: TextureDescription): number {
    this.textures.push(t);
    return this.textures.length - 1;
  }

  /** One triangle; its front face (and flat normal) is cross(b - a, c - a). */
  triangle(a: Vertex, b: Vertex, c: Vertex, materialIndex: number): this {
    this.triangles.push({ v: [a, b, c], material: materialIndex });
    return this;
  }

  /** The parallelogram corner + s·edgeU + t·edgeV, facing cross(edgeU, edgeV), UVs (s, t). */
  quad(corner: Vec3, edgeU: Vec3, edgeV: Vec3, materialIndex: number): this {
    const n = normalize(cross(edgeU, edgeV));
    const at = (s: number, t: number): Vertex => ({
      p: [
        corner[0] + s * edgeU[0] + t * edgeV[0],
        corner[1] + s * edgeU[1] + t * edgeV[1],
        corner[2] + s * edgeU[2] + t * edgeV[2],
      ],
      n,
      uv: [s, t],
    });
    this.triangle(at(0, 0), at(1, 0), at(1, 1), materialIndex);
    return this.triangle(at(0, 0), at(1, 1), at(0, 1), materialIndex);
  }

  /**
   * A UV sphere with equirectangular UVs and smooth (exact) normals, or the facets' own normals with `flat`;
   * `inward` turns its faces and normals to the inside (a closed room).
   */
  sphere(
    center: Vec3,
    radius: number,
    materialIndex: number,
    {
      segments = 48,
      inward = false,
      flat = false,
    }: { segments?: number; inward?: boolean; flat?: boolean } = {},
  ): this {
    const rings = Math.max(2, Math.round(segments / 2));
    const vertex = (i: number, j: number): Vertex => {
      const theta = (Math.PI * j) / rings;
      const phi = (2 * Math.PI * i) / segments;
      const d: Vec3 = [Math.sin(theta) * Math.cos(phi), Math.cos(theta), Math.sin(theta) * Math.sin(phi)];
      return {
        p: [center[0] + radius * d[0], center[1] + radius * d[1], center[2] + radius * d[2]],
        n: inward ? [-d[0], -d[1], -d[2]] : d,
        uv: [i / segments, j / rings],
      };
    };
    for (let j = 0; j < rings; j++) {
      for (let i = 0; i < segments; i++) {
        const a = vertex(i, j);
        const b = vertex(i + 1, j);
        const c = vertex(i + 1, j + 1);
        const d = vertex(i, j + 1);
        // cross(dP/dphi, dP/dtheta) points outwards, so (a, b, c) and (a, c, d) face out; at the poles one
        // of the two collapses and is left out.
        const tris: [Vertex, Vertex, Vertex][] = [];
        if (j > 0) tris.push([a, b, c]);
        if (j < rings - 1) tris.push([a, c, d]);
        for (const [p, q, r] of tris) {
          const [x, y, z] = inward ? [p, r, q] : [p, q, r];
          if (flat) {
            const n = normalize(cross(sub(y.p, x.p), sub(z.p, x.p)));
            this.triangle({ ...x, n }, { ...y, n }, { ...z, n }, materialIndex);
          } else {
            this.triangle(x, y, z, materialIndex);
          }
        }
      }
    }
    return this;
  }

  build(camera: CameraDescription): SceneDescription {
    const count = this.triangles.length;
    const positions = new Float32Array(count * 9);
    const normals = new Float32Array(count * 9);
    const uvs = new Float32Array(count * 6);
    const materialIndices = new Uint32Array(count);
    this.triangles.forEach((t, i) => {
      t.v.forEach((v, k) => {
        positions.set(v.p, i * 9 + k * 3);
        normals.set(v.n, i * 9 + k * 3);
        uvs.set(v.uv, i * 6 + k * 2);
      });
      materialIndices[i] = t.material;
    });
    return {
      positions,
      normals,
      uvs,
      materialIndices,
      materials: this.materials.length > 0 ? this.materials : [material()],
      textures: this.textures,
      camera,
      punctualLights: this.punctualLights,
    };
  }
}

// ---- Rendering on the GPU in tests, and reading results ----

export const BLACK: Environment = { type: 'uniform', radiance: [0, 0, 0] };
export const uniform = (radiance: Rgb): Environment => ({ type: 'uniform', radiance });

/**
 * `load` packs each scene once, under a name that stands in for its hash, and loads it into the tracer;
 * `task` is a small render task with defaults; `render` renders it in fixed 64-sample dispatches.
 */
export function renderHarness(tracer: () => PathTracer) {
  const packedScenes = new Map<string, PackedScene>();
  function load(name: string, build: () => SceneDescription): string {
    let packed = packedScenes.get(name);
    if (!packed) {
      packed = packScene(build());
      packedScenes.set(name, packed);
    }
    tracer().loadScene(name, packed);
    return name;
  }
  function task(sceneHash: string, overrides: Partial<RenderTask> = {}): RenderTask {
    const width = overrides.width ?? 16;
    const height = overrides.height ?? 16;
    return {
      sceneHash,
      environment: BLACK,
      seed: 1234,
      maxBounces: 4,
      region: { x: 0, y: 0, width, height },
      sampleStart: 0,
      sampleEnd: 16,
      ...overrides,
      width,
      height,
    };
  }
  async function render(t: RenderTask): Promise<Float32Array> {
    return (await tracer().render(t, { fixedSamplesPerDispatch: 64 })).data;
  }
  return { load, task, render, packedScenes };
}

/** Per-pixel mean of channel `c` (r, g, b = 0, 1, 2). */
export function pixelMeans(data: Float32Array, c: number): Float64Array {
  const pixels = data.length / RESULT_CHANNELS;
  const out = new Float64Array(pixels);
  for (let p = 0; p < pixels; p++) {
    out[p] =
      (data[p * RESULT_CHANNELS + c] as number) / (data[p * RESULT_CHANNELS + CHANNEL.count] as number);
  }
  return out;
}

/**
 * Mean radiance over the chosen pixels and its standard error, for grey images (r = g = b = luminance, so
 * the luminance² channel gives each pixel's sample variance).
 */
export function greyStatistics(data: Float32Array, include: (p: number) => boolean = () => true) {
  let sum = 0;
  let varianceSum = 0;
  let n = 0;
  for (let p = 0; p < data.length / RESULT_CHANNELS; p++) {
    if (!include(p)) continue;
    const o = p * RESULT_CHANNELS;
    const count = data[o + CHANNEL.count] as number;
    const mean = (data[o] as number) / count;
    const meanSq = (data[o + CHANNEL.luminanceSq] as number) / count;
    sum += mean;
    varianceSum += Math.max(0, meanSq - mean * mean) / (count - 1);
    n++;
  }
  return { mean: sum / n, standardError: Math.sqrt(varianceSum) / n, pixels: n };
}

export const sameBits = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** The float32 bit patterns of a result, for exact comparison (toEqual on floats would pass -0 for 0). */
export const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** The RESULT_CHANNELS values of full-image pixels `pixels` of a region render of the whole image, in order. */
export function gather(full: Float32Array, pixels: readonly number[]): Float32Array {
  const out = new Float32Array(pixels.length * RESULT_CHANNELS);
  pixels.forEach((p, i) => {
    out.set(full.subarray(p * RESULT_CHANNELS, (p + 1) * RESULT_CHANNELS), i * RESULT_CHANNELS);
  });
  return out;
}

/** Fraction of pixels whose mean luminance differs by more than 2% (relative, floor 1e-3). */
export function differingFraction(a: Float32Array, b: Float32Array): number {
  const ma = pixelMeans(a, 1);
  const mb = pixelMeans(b, 1);
  let differ = 0;
  for (let p = 0; p < ma.length; p++) {
    const x = ma[p] as number;
    const y = mb[p] as number;
    if (Math.abs(x - y) > 0.02 * Math.max(x, y, 1e-3)) differ++;
  }
  return differ / ma.length;
}
