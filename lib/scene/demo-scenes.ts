/**
 * Built-in scenes, generated in code as SceneDescriptions so that they need no upload and pack to the same
 * bytes everywhere. Units are metres, +y up, the camera looks down -z.
 */
import type { BuiltInSceneId } from '../protocol/job-spec';
import {
  DEFAULT_MATERIAL,
  type MaterialDescription,
  type SceneDescription,
  type TextureDescription,
  textureBinding,
  type Vec3,
} from './scene-description';

const degrees = (d: number) => (d * Math.PI) / 180;

/** Accumulates triangles; every triangle's winding is made to agree with its shading normals. */
class SceneBuilder {
  private readonly positions: number[] = [];
  private readonly normals: number[] = [];
  private readonly uvs: number[] = [];
  private readonly materialIndices: number[] = [];
  readonly materials: MaterialDescription[] = [];
  readonly textures: TextureDescription[] = [];

  material(m: Partial<MaterialDescription> & { name: string }): number {
    this.materials.push({ ...DEFAULT_MATERIAL, ...m });
    return this.materials.length - 1;
  }

  texture(t: TextureDescription): number {
    this.textures.push(t);
    return this.textures.length - 1;
  }

  /**
   * One triangle. The kernel's geometric normal is edge1 x edge2; where it points away from the shading
   * normals, two corners are swapped so that front faces and normals agree.
   */
  triangle(p: [Vec3, Vec3, Vec3], n: [Vec3, Vec3, Vec3], uv: [number, number][], material: number): void {
    const e1 = sub(p[1], p[0]);
    const e2 = sub(p[2], p[0]);
    const sum = add(add(n[0], n[1]), n[2]);
    const order = dot(cross(e1, e2), sum) < 0 ? [0, 2, 1] : [0, 1, 2];
    for (const k of order) {
      this.positions.push(...(p[k] as Vec3));
      this.normals.push(...(n[k] as Vec3));
      this.uvs.push(...(uv[k] ?? [0, 0]));
    }
    this.materialIndices.push(material);
  }

  /** Parallelogram corner, corner + u, corner + u + v, corner + v, facing `normal`. */
  quad(corner: Vec3, u: Vec3, v: Vec3, normal: Vec3, material: number): void {
    const p1 = add(corner, u);
    const p2 = add(p1, v);
    const p3 = add(corner, v);
    const n: [Vec3, Vec3, Vec3] = [normal, normal, normal];
    this.triangle(
      [corner, p1, p2],
      n,
      [
        [0, 0],
        [1, 0],
        [1, 1],
      ],
      material,
    );
    this.triangle(
      [corner, p2, p3],
      n,
      [
        [0, 0],
        [1, 1],
        [0, 1],
      ],
      material,
    );
  }

  /**
   * A UV sphere: `segments` around, `rings` from pole to pole, 2 x segments x (rings - 1) triangles (fans
   * at the poles). Normals are the exact sphere normals, so shading stays smooth at any tessellation.
   */
  sphere(center: Vec3, radius: number, segments: number, rings: number, material: number): void {
    const vertex = (ring: number, seg: number): { p: Vec3; n: Vec3; uv: [number, number] } => {
      const theta = (ring / rings) * Math.PI;
      const phi = (seg / segments) * 2 * Math.PI;
      const n: Vec3 = [Math.sin(theta) * Math.cos(phi), Math.cos(theta), -Math.sin(theta) * Math.sin(phi)];
      return { p: add(center, scale(n, radius)), n, uv: [seg / segments, ring / rings] };
    };
    for (let r = 0; r < rings; r++) {
      for (let s = 0; s < segments; s++) {
        const a = vertex(r, s);
        const b = vertex(r + 1, s);
        const c = vertex(r + 1, s + 1);
        const d = vertex(r, s + 1);
        if (r > 0) this.triangle([a.p, b.p, d.p], [a.n, b.n, d.n], [a.uv, b.uv, d.uv], material);
        if (r < rings - 1) this.triangle([b.p, c.p, d.p], [b.n, c.n, d.n], [b.uv, c.uv, d.uv], material);
      }
    }
  }

  /**
   * A (p, q) torus knot tube, following three.js TorusKnotGeometry: the centre line winds p times around
   * the axis and q times through the hole; 2 x tubular x radial triangles.
   */
  torusKnot(
    center: Vec3,
    radius: number,
    tube: number,
    tubular: number,
    radial: number,
    p: number,
    q: number,
    material: number,
  ): void {
    const curve = (u: number): Vec3 => {
      const cs = Math.cos((q / p) * u);
      return add(center, [
        radius * (2 + cs) * 0.5 * Math.cos(u),
        radius * (2 + cs) * 0.5 * Math.sin(u),
        radius * Math.sin((q / p) * u) * 0.5,
      ]);
    };
    const grid: { p: Vec3; n: Vec3; uv: [number, number] }[][] = [];
    for (let j = 0; j <= tubular; j++) {
      const u = (j / tubular) * p * 2 * Math.PI;
      const p1 = curve(u);
      const p2 = curve(u + 0.01);
      const t = sub(p2, p1);
      const b = normalize(cross(t, add(p2, sub(p1, scale(center, 2)))));
      const n = normalize(cross(b, t));
      const row: { p: Vec3; n: Vec3; uv: [number, number] }[] = [];
      for (let i = 0; i <= radial; i++) {
        const v = (i / radial) * 2 * Math.PI;
        const dir = add(scale(n, -Math.cos(v)), scale(b, Math.sin(v)));
        row.push({ p: add(p1, scale(dir, tube)), n: dir, uv: [j / tubular, i / radial] });
      }
      grid.push(row);
    }
    for (let j = 1; j <= tubular; j++) {
      for (let i = 1; i <= radial; i++) {
        const a = grid[j - 1]?.[i - 1];
        const bb = grid[j]?.[i - 1];
        const c = grid[j]?.[i];
        const d = grid[j - 1]?.[i];
        if (!a || !bb || !c || !d) continue;
        this.triangle([a.p, bb.p, d.p], [a.n, bb.n, d.n], [a.uv, bb.uv, d.uv], material);
        this.triangle([bb.p, c.p, d.p], [bb.n, c.n, d.n], [bb.uv, c.uv, d.uv], material);
      }
    }
  }

  build(camera: SceneDescription['camera']): SceneDescription {
    return {
      positions: new Float32Array(this.positions),
      normals: new Float32Array(this.normals),
      uvs: new Float32Array(this.uvs),
      materialIndices: new Uint32Array(this.materialIndices),
      materials: this.materials,
      textures: this.textures,
      camera,
      punctualLights: [],
    };
  }
}

// The Cornell box of shaders/cornell.wgsl: x in [-1, 1], y in [0, 2], z in [-1, 1], open towards +z.
const WHITE: [number, number, number, number] = [0.725, 0.71, 0.68, 1];
const RED: [number, number, number, number] = [0.63, 0.065, 0.05, 1];
const GREEN: [number, number, number, number] = [0.14, 0.45, 0.091, 1];

/** Walls and ceiling light of the Cornell box (14 triangles); returns the white material's index. */
function addCornellBox(b: SceneBuilder): number {
  const white = b.material({ name: 'white', baseColor: WHITE, roughness: 1 });
  const red = b.material({ name: 'red', baseColor: RED, roughness: 1 });
  const green = b.material({ name: 'green', baseColor: GREEN, roughness: 1 });
  const light = b.material({ name: 'light', baseColor: [0, 0, 0, 1], roughness: 1, emissive: [17, 12, 4] });
  b.quad([-1, 0, 1], [0, 0, -2], [2, 0, 0], [0, 1, 0], white); // floor
  b.quad([-1, 2, -1], [0, 0, 2], [2, 0, 0], [0, -1, 0], white); // ceiling
  b.quad([-1, 0, -1], [2, 0, 0], [0, 2, 0], [0, 0, 1], white); // back wall
  b.quad([-1, 0, 1], [0, 2, 0], [0, 0, -2], [1, 0, 0], red); // left wall
  b.quad([1, 0, -1], [0, 2, 0], [0, 0, 2], [-1, 0, 0], green); // right wall
  // 0.5 m x 0.4 m, 2 cm below the ceiling, emitting downwards (LIGHT in cornell.wgsl).
  b.quad([-0.25, 1.98, -0.2], [0.5, 0, 0], [0, 0, 0.4], [0, -1, 0], light);
  return white;
}

const CORNELL_CAMERA: SceneDescription['camera'] = {
  position: [0, 1, 3.6],
  target: [0, 1, 0],
  up: [0, 1, 0],
  yfov: degrees(38),
};

/** shaders/cornell.wgsl as triangles: 5 walls, the ceiling light, a diffuse and a mirror sphere (4,044 triangles). */
export function cornellBox(): SceneDescription {
  const b = new SceneBuilder();
  const white = addCornellBox(b);
  const mirror = b.material({ name: 'mirror', baseColor: [0.95, 0.93, 0.88, 1], metallic: 1, roughness: 0 });
  b.sphere([-0.42, 0.38, -0.35], 0.38, 48, 22, white);
  b.sphere([0.45, 0.33, 0.25], 0.33, 48, 22, mirror);
  return b.build(CORNELL_CAMERA);
}

/** RGBA8 sRGB checkerboard: `size` x `size` texels, `checks` squares a side. */
export function checkerTexture(size = 256, checks = 8): TextureDescription {
  const rgba = new Uint8Array(size * size * 4);
  const cell = size / checks;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dark = (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 1;
      const o = (y * size + x) * 4;
      rgba.set(dark ? [40, 44, 52, 255] : [235, 226, 200, 255], o);
    }
  }
  return { name: 'checker', width: size, height: size, rgba };
}

/**
 * A floor, a backdrop, an overhead emissive panel and a row of four spheres: rough diffuse, glossy GGX
 * metal (roughness 0.3), clear glass (transmission 1, IOR 1.5) and a checker-textured diffuse sphere.
 */
export function materialShowcase(): SceneDescription {
  const b = new SceneBuilder();
  const floor = b.material({ name: 'floor', baseColor: [0.5, 0.5, 0.5, 1], roughness: 0.8 });
  const panel = b.material({ name: 'panel', baseColor: [0, 0, 0, 1], emissive: [8, 8, 7.5] });
  const diffuse = b.material({ name: 'rough diffuse', baseColor: [0.75, 0.2, 0.15, 1], roughness: 1 });
  const metal = b.material({
    name: 'glossy gold',
    baseColor: [1, 0.78, 0.34, 1],
    metallic: 1,
    roughness: 0.3,
  });
  const glass = b.material({
    name: 'glass',
    baseColor: [1, 1, 1, 1],
    roughness: 0,
    transmission: 1,
    ior: 1.5,
  });
  const checker = b.texture(checkerTexture());
  const textured = b.material({
    name: 'checker',
    baseColor: [1, 1, 1, 1],
    baseColorTexture: textureBinding(checker),
    roughness: 0.6,
  });

  b.quad([-6, 0, 4], [0, 0, -8], [12, 0, 0], [0, 1, 0], floor);
  b.quad([-6, 0, -2.5], [12, 0, 0], [0, 5, 0], [0, 0, 1], floor); // backdrop
  b.quad([-2, 3.2, -0.8], [4, 0, 0], [0, 0, 1.6], [0, -1, 0], panel); // 6.4 m^2 panel facing down
  const x = [-1.8, -0.6, 0.6, 1.8];
  [diffuse, metal, glass, textured].forEach((material, i) => {
    b.sphere([x[i] as number, 0.5, 0], 0.5, 48, 24, material);
  });
  return b.build({ position: [0, 1.5, 6], target: [0, 0.6, 0], up: [0, 1, 0], yfov: degrees(45) });
}

/**
 * The Cornell box around a finely tessellated (2, 3) torus knot: 61,452 triangles, for benchmarks that
 * need the BVH to matter.
 */
export function denseMeshBox(): SceneDescription {
  const b = new SceneBuilder();
  addCornellBox(b);
  const knot = b.material({ name: 'knot', baseColor: [0.8, 0.55, 0.3, 1], roughness: 0.5 });
  b.torusKnot([0, 0.95, -0.05], 0.45, 0.14, 640, 48, 2, 3, knot);
  return b.build(CORNELL_CAMERA);
}

export interface DemoScene {
  title: string;
  description: string;
  build: () => SceneDescription;
}

export const DEMO_SCENES: Record<string, DemoScene> = {
  cornell: {
    title: 'Cornell box',
    description: 'The classic box with a ceiling light, a diffuse sphere and a mirror sphere (4k triangles).',
    build: cornellBox,
  },
  showcase: {
    title: 'Material showcase',
    description: 'Diffuse, glossy metal, glass and textured spheres under an area light.',
    build: materialShowcase,
  },
  dense: {
    title: 'Dense mesh box',
    description: 'The Cornell box around a 61k-triangle torus knot, for benchmarks.',
    build: denseMeshBox,
  },
} satisfies Record<BuiltInSceneId, DemoScene>;

function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function scale(a: Vec3, s: number): Vec3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}
function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
function normalize(a: Vec3): Vec3 {
  return scale(a, 1 / Math.hypot(a[0], a[1], a[2]));
}
