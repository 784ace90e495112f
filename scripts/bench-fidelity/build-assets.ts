/**
 * The glTF assets bench:fidelity renders besides Barrel.glb, built deterministically with glTF-Transform's
 * Document API and fast-png textures each time the bench runs (into its output folder, nothing committed):
 * between them they hold every material feature the issue lists.
 *
 *   pbr-box   a box with a full texture set (base colour, metallic-roughness, normal map, emissive texture
 *             mostly black), its base colour under KHR_texture_transform, a sphere with the same maps and
 *             a ground with vertex colours; lit by a uniform environment.
 *   cutouts   an alpha MASK leaf fence, an alpha BLEND pane whose base colour texture carries alpha, and a
 *             decal whose material reads TEXCOORD_1 (its TEXCOORD_0 is deliberately useless); uniform light.
 *   hdr-spheres  diffuse, metal and glossy dielectric spheres on a ground, lit by the generated .hdr
 *             (environment-map.ts).
 *   env-probe a camera that sees only the .hdr environment (a sun in view), for the orientation check.
 *
 * Every asset has a camera node, so neither side's automatic framing is involved; tangents are in the file
 * wherever there is a normal map (glTF: renderers should not have to generate them).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Document, type Material, NodeIO, type Texture } from '@gltf-transform/core';
import { KHRTextureTransform } from '@gltf-transform/extensions';
import { encode } from 'fast-png';
import type { Vec3 } from '../../lib/scene/scene-description';
import { buildEnvironmentMap, type EnvironmentMap } from './environment-map';

interface MeshData {
  positions: number[];
  normals: number[];
  tangents: number[];
  uvs: number[];
  indices: number[];
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const normalize = (a: Vec3): Vec3 => {
  const l = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / l, a[1] / l, a[2] / l];
};

/**
 * A rectangle from `corner` spanning edges `u` and `v`, facing u × v; UV (0,0) at corner + v (the image's
 * top-left), (1,1) at corner + u, scaled by `uvScale`.
 */
function quad(corner: Vec3, u: Vec3, v: Vec3, uvScale = 1): MeshData {
  const n = normalize(cross(u, v));
  const t = normalize(u);
  const at = (a: number, b: number): Vec3 => [
    corner[0] + a * u[0] + b * v[0],
    corner[1] + a * u[1] + b * v[1],
    corner[2] + a * u[2] + b * v[2],
  ];
  const corners = [at(0, 0), at(1, 0), at(1, 1), at(0, 1)];
  return {
    positions: corners.flat(),
    normals: [n, n, n, n].flat(),
    tangents: [0, 1, 2, 3].flatMap(() => [...t, 1]),
    uvs: [0, 1, 1, 1, 1, 0, 0, 0].map((c) => c * uvScale),
    indices: [0, 1, 2, 0, 2, 3],
  };
}

function merge(parts: MeshData[]): MeshData {
  const out: MeshData = { positions: [], normals: [], tangents: [], uvs: [], indices: [] };
  for (const p of parts) {
    const base = out.positions.length / 3;
    out.positions.push(...p.positions);
    out.normals.push(...p.normals);
    out.tangents.push(...p.tangents);
    out.uvs.push(...p.uvs);
    out.indices.push(...p.indices.map((i) => i + base));
  }
  return out;
}

/** An axis-aligned box of `size` centred at `c`, each face mapped to the whole texture. */
function box(c: Vec3, size: Vec3): MeshData {
  const [hx, hy, hz] = [size[0] / 2, size[1] / 2, size[2] / 2];
  const p = (x: number, y: number, z: number): Vec3 => [c[0] + x, c[1] + y, c[2] + z];
  return merge([
    quad(p(-hx, -hy, hz), [2 * hx, 0, 0], [0, 2 * hy, 0]), // +z
    quad(p(hx, -hy, -hz), [-2 * hx, 0, 0], [0, 2 * hy, 0]), // -z
    quad(p(hx, -hy, hz), [0, 0, -2 * hz], [0, 2 * hy, 0]), // +x
    quad(p(-hx, -hy, -hz), [0, 0, 2 * hz], [0, 2 * hy, 0]), // -x
    quad(p(-hx, hy, hz), [2 * hx, 0, 0], [0, 0, -2 * hz]), // +y
    quad(p(-hx, -hy, -hz), [2 * hx, 0, 0], [0, 0, 2 * hz]), // -y
  ]);
}

/** A UV sphere; u runs with the azimuth, the tangent along it. */
function sphere(c: Vec3, r: number, segments = 48, rings = 24): MeshData {
  const out: MeshData = { positions: [], normals: [], tangents: [], uvs: [], indices: [] };
  for (let j = 0; j <= rings; j++) {
    const theta = (Math.PI * j) / rings;
    for (let i = 0; i <= segments; i++) {
      const phi = (2 * Math.PI * i) / segments;
      const n: Vec3 = [Math.sin(theta) * Math.cos(phi), Math.cos(theta), -Math.sin(theta) * Math.sin(phi)];
      out.positions.push(c[0] + r * n[0], c[1] + r * n[1], c[2] + r * n[2]);
      out.normals.push(...n);
      out.tangents.push(-Math.sin(phi), 0, -Math.cos(phi), 1);
      out.uvs.push(i / segments, j / rings);
    }
  }
  for (let j = 0; j < rings; j++) {
    for (let i = 0; i < segments; i++) {
      const a = j * (segments + 1) + i;
      const b = a + segments + 1;
      out.indices.push(a, b, a + 1, a + 1, b, b + 1);
    }
  }
  return out;
}

/** A repeatable pseudo-random value in [0, 1) for integer coordinates. */
function hash2(x: number, y: number): number {
  let h = (x * 374761393 + y * 668265263) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

/** An RGBA8 PNG whose texel (x, y) (top row first) is `texel(x / size, y / size)` with channels in [0, 1]. */
function png(size: number, texel: (u: number, v: number, x: number, y: number) => number[]): Uint8Array {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const c = texel((x + 0.5) / size, (y + 0.5) / size, x, y);
      for (let k = 0; k < 4; k++)
        data[(y * size + x) * 4 + k] = Math.round(255 * Math.min(1, Math.max(0, c[k] ?? 1)));
    }
  }
  return encode({ width: size, height: size, data, channels: 4, depth: 8 });
}

const TEXTURES = {
  /** Wooden planks with a painted cross; opaque. */
  crateBase: () =>
    png(64, (u, v, x, y) => {
      const plank = Math.floor(v * 4);
      const grain = 0.85 + 0.15 * Math.sin(u * 40 + plank * 7) * hash2(plank, Math.floor(u * 8));
      const cross = Math.abs(u - v) < 0.06 || Math.abs(u + v - 1) < 0.06;
      const seam = y % 16 === 0;
      if (cross) return [0.15, 0.25, 0.6, 1];
      const k = (seam ? 0.4 : 1) * grain * (0.9 + 0.1 * hash2(x >> 2, y >> 2));
      return [0.62 * k, 0.42 * k, 0.22 * k, 1];
    }),
  /** glTF metallic-roughness: G roughness in bands, B metal on a frame at the border. */
  crateMetalRough: () =>
    png(64, (u, v) => {
      const frame = u < 0.1 || u > 0.9 || v < 0.1 || v > 0.9;
      const rough = frame ? 0.3 : 0.45 + 0.5 * (Math.floor(u * 5) / 4);
      return [1, rough, frame ? 1 : 0, 1];
    }),
  /** Tangent-space normals of rivets on a grid and a groove along the middle. */
  crateNormal: () =>
    png(64, (u, v) => {
      const height = (a: number, b: number) => {
        const [cx, cy] = [(a * 4) % 1, (b * 4) % 1];
        const d2 = (cx - 0.5) ** 2 + (cy - 0.5) ** 2;
        return Math.exp(-d2 / 0.01) - 0.5 * Math.exp(-((b - 0.5) ** 2) / 0.0015);
      };
      const e = 1 / 128;
      const dx = (height(u + e, v) - height(u - e, v)) / (2 * e);
      const dy = (height(u, v + e) - height(u, v - e)) / (2 * e);
      const n = normalize([-0.04 * dx, 0.04 * dy, 1]);
      return [n[0] * 0.5 + 0.5, n[1] * 0.5 + 0.5, n[2] * 0.5 + 0.5, 1];
    }),
  /** Emission: black except an orange stripe and a blue dot. */
  crateEmissive: () =>
    png(64, (u, v) => {
      if (v > 0.2 && v < 0.3 && u > 0.15 && u < 0.85) return [1, 0.45, 0.05, 1];
      if ((u - 0.7) ** 2 + (v - 0.7) ** 2 < 0.008) return [0.1, 0.4, 1, 1];
      return [0, 0, 0, 1];
    }),
  /** Leaves for an alpha MASK: opaque ellipses on transparent, colours varying per leaf. */
  leaves: () =>
    png(64, (u, v) => {
      const [cx, cy] = [Math.floor(u * 6), Math.floor(v * 6)];
      const [fx, fy] = [u * 6 - cx - 0.5, v * 6 - cy - 0.5];
      const angle = hash2(cx, cy) * Math.PI;
      const a = fx * Math.cos(angle) + fy * Math.sin(angle);
      const b = -fx * Math.sin(angle) + fy * Math.cos(angle);
      const inside = (a / 0.45) ** 2 + (b / 0.22) ** 2 < 1;
      const g = 0.35 + 0.4 * hash2(cy, cx);
      return [0.15, g, 0.08, inside ? 1 : 0];
    }),
  /** A pane's base colour: near-white with alpha falling from 0.9 at the top to 0.2 at the bottom. */
  pane: () => png(32, (u, v) => [0.9, 0.95, 1, 0.9 - 0.7 * v + 0.05 * Math.sin(u * 20)]),
  /** A red arrow pointing down (towards v = 1) on white, to tell a wrong UV set or orientation at a glance. */
  decal: () =>
    png(64, (u, v) => {
      const head = v < 0.5 && Math.abs(u - 0.5) < 0.5 - v;
      const shaft = v >= 0.5 && v < 0.9 && Math.abs(u - 0.5) < 0.1;
      return head || shaft ? [0.85, 0.1, 0.1, 1] : [0.95, 0.95, 0.9, 1];
    }),
};

type TextureName = keyof typeof TEXTURES;

/** Adds one glTF asset's content to a Document: helpers over the Document API. */
class AssetBuilder {
  readonly doc = new Document();
  private readonly buffer = this.doc.createBuffer();
  private readonly scene = this.doc.createScene('scene');
  private readonly textures = new Map<TextureName, Texture>();
  readonly textureTransform = this.doc.createExtension(KHRTextureTransform);

  texture(name: TextureName): Texture {
    let texture = this.textures.get(name);
    if (!texture) {
      texture = this.doc.createTexture(name).setImage(TEXTURES[name]()).setMimeType('image/png');
      this.textures.set(name, texture);
    }
    return texture;
  }

  material(name: string): Material {
    return this.doc.createMaterial(name);
  }

  private accessor(
    type: 'SCALAR' | 'VEC2' | 'VEC3' | 'VEC4',
    array: Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>,
  ) {
    return this.doc.createAccessor().setType(type).setArray(array).setBuffer(this.buffer);
  }

  /**
   * A mesh node. `extra` adds attributes: COLOR_0 (VEC4, per vertex) or TEXCOORD_1 (VEC2, per vertex).
   */
  mesh(name: string, data: MeshData, material: Material, extra: Record<string, number[]> = {}): void {
    const primitive = this.doc
      .createPrimitive()
      .setMaterial(material)
      .setIndices(this.accessor('SCALAR', new Uint32Array(data.indices)))
      .setAttribute('POSITION', this.accessor('VEC3', new Float32Array(data.positions)))
      .setAttribute('NORMAL', this.accessor('VEC3', new Float32Array(data.normals)))
      .setAttribute('TANGENT', this.accessor('VEC4', new Float32Array(data.tangents)))
      .setAttribute('TEXCOORD_0', this.accessor('VEC2', new Float32Array(data.uvs)));
    for (const [semantic, values] of Object.entries(extra)) {
      primitive.setAttribute(
        semantic,
        this.accessor(semantic === 'COLOR_0' ? 'VEC4' : 'VEC2', new Float32Array(values)),
      );
    }
    const mesh = this.doc.createMesh(name).addPrimitive(primitive);
    this.scene.addChild(this.doc.createNode(name).setMesh(mesh));
  }

  /** A perspective camera at `eye` looking at `target` (+y up), as a node: glTF cameras look down -z. */
  camera(eye: Vec3, target: Vec3, yfovDegrees: number, aspect: number): void {
    const back = normalize(sub(eye, target));
    const right = normalize(cross([0, 1, 0], back));
    const up = cross(back, right);
    const camera = this.doc
      .createCamera('camera')
      .setType('perspective')
      .setYFov((yfovDegrees * Math.PI) / 180)
      .setAspectRatio(aspect)
      .setZNear(0.01)
      .setZFar(100);
    const node = this.doc
      .createNode('camera')
      .setCamera(camera)
      .setTranslation(eye)
      .setRotation(quaternionFromBasis(right, up, back));
    this.scene.addChild(node);
  }

  async write(path: string): Promise<void> {
    if (this.doc.getRoot().listTextures().length === 0 || !this.textureUsed())
      this.textureTransform.dispose();
    const io = new NodeIO().registerExtensions([KHRTextureTransform]);
    writeFileSync(path, await io.writeBinary(this.doc));
  }

  private textureUsed(): boolean {
    return this.doc
      .getRoot()
      .listMaterials()
      .some((m) => m.getBaseColorTextureInfo()?.getExtension('KHR_texture_transform'));
  }
}

/** The rotation whose matrix has columns x, y, z (orthonormal, right-handed), as a glTF quaternion. */
function quaternionFromBasis(x: Vec3, y: Vec3, z: Vec3): [number, number, number, number] {
  const [m00, m10, m20] = x;
  const [m01, m11, m21] = y;
  const [m02, m12, m22] = z;
  const trace = m00 + m11 + m22;
  if (trace > 0) {
    const s = 0.5 / Math.sqrt(trace + 1);
    return [(m21 - m12) * s, (m02 - m20) * s, (m10 - m01) * s, 0.25 / s];
  }
  if (m00 > m11 && m00 > m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22);
    return [0.25 * s, (m01 + m10) / s, (m02 + m20) / s, (m21 - m12) / s];
  }
  if (m11 > m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22);
    return [(m01 + m10) / s, 0.25 * s, (m12 + m21) / s, (m02 - m20) / s];
  }
  const s = 2 * Math.sqrt(1 + m22 - m00 - m11);
  return [(m02 + m20) / s, (m12 + m21) / s, 0.25 * s, (m10 - m01) / s];
}

function pbrBox(b: AssetBuilder): void {
  const ground = b
    .material('ground')
    .setRoughnessFactor(0.8)
    .setMetallicFactor(0)
    .setBaseColorFactor([1, 1, 1, 1]);
  // Vertex colours (COLOR_0 multiplies the base colour): a different colour at each corner.
  b.mesh('ground', quad([-2.5, 0, 2.5], [5, 0, 0], [0, 0, -5]), ground, {
    COLOR_0: [0.8, 0.2, 0.2, 1, 0.2, 0.7, 0.2, 1, 0.2, 0.3, 0.8, 1, 0.8, 0.8, 0.8, 1],
  });
  const crate = b
    .material('crate')
    .setBaseColorTexture(b.texture('crateBase'))
    .setMetallicRoughnessTexture(b.texture('crateMetalRough'))
    .setNormalTexture(b.texture('crateNormal'))
    .setEmissiveTexture(b.texture('crateEmissive'))
    .setEmissiveFactor([1, 1, 1])
    .setMetallicFactor(1)
    .setRoughnessFactor(1);
  crate
    .getBaseColorTextureInfo()
    ?.setExtension(
      'KHR_texture_transform',
      b.textureTransform.createTransform().setScale([2, 2]).setRotation(0.3).setOffset([0.1, 0.05]),
    );
  b.mesh('crate', box([-0.3, 0.5, 0], [1, 1, 1]), crate);
  const ball = b
    .material('ball')
    .setBaseColorFactor([0.9, 0.75, 0.4, 1])
    .setMetallicRoughnessTexture(b.texture('crateMetalRough'))
    .setNormalTexture(b.texture('crateNormal'))
    .setMetallicFactor(1)
    .setRoughnessFactor(1);
  b.mesh('ball', sphere([0.85, 0.4, 0.55], 0.4), ball);
  b.camera([2.0, 1.7, 2.8], [0.1, 0.45, 0], 40, 1);
}

function cutouts(b: AssetBuilder): void {
  const wall = b.material('wall').setBaseColorFactor([0.8, 0.8, 0.78, 1]).setRoughnessFactor(0.9);
  b.mesh('wall', quad([-2, 0, -1], [4, 0, 0], [0, 3, 0]), wall);
  const floor = b.material('floor').setBaseColorFactor([0.45, 0.4, 0.35, 1]).setRoughnessFactor(0.9);
  b.mesh('floor', quad([-2, 0, 2], [4, 0, 0], [0, 0, -3]), floor);
  const leaves = b
    .material('leaves')
    .setBaseColorTexture(b.texture('leaves'))
    .setAlphaMode('MASK')
    .setAlphaCutoff(0.5)
    .setDoubleSided(true)
    .setRoughnessFactor(0.7);
  b.mesh('fence', quad([-1.3, 0, -0.4], [1.5, 0, 0], [0, 1.5, 0], 2), leaves);
  const pane = b
    .material('pane')
    .setBaseColorTexture(b.texture('pane'))
    .setBaseColorFactor([0.5, 0.7, 1, 1])
    .setAlphaMode('BLEND')
    .setDoubleSided(true)
    .setRoughnessFactor(0.3);
  b.mesh('pane', quad([-0.1, 0.1, 0.4], [1.3, 0, 0.2], [0, 1.2, 0]), pane);
  // The decal reads its texture through TEXCOORD_1; TEXCOORD_0 is a point in a white corner of the image,
  // so a renderer that reads set 0 shows a plain white square.
  const decal = b.material('decal').setBaseColorTexture(b.texture('decal')).setRoughnessFactor(0.6);
  decal.getBaseColorTextureInfo()?.setTexCoord(1);
  const decalQuad = quad([0.5, 1.5, -0.98], [1, 0, 0], [0, 1, 0]);
  const uv1 = decalQuad.uvs;
  decalQuad.uvs = uv1.map(() => 0.02);
  b.mesh('decal', decalQuad, decal, { TEXCOORD_1: uv1 });
  b.camera([0.3, 1.3, 3.3], [0.1, 0.85, -0.5], 45, 1);
}

type HdrSpherePart = 'ground' | 'white' | 'gold' | 'red';

/**
 * hdr-spheres, or one of its parts alone filling the view (the diagnostic assets of main.ts --diagnose: one
 * material at a time, no sky in the image, so that a difference in that material's light is not diluted).
 */
function hdrSpheres(
  b: AssetBuilder,
  parts: readonly HdrSpherePart[] = ['ground', 'white', 'gold', 'red'],
): void {
  if (parts.includes('ground')) {
    const ground = b.material('ground').setBaseColorFactor([0.5, 0.5, 0.5, 1]).setRoughnessFactor(0.9);
    b.mesh('ground', quad([-3, 0, 3], [6, 0, 0], [0, 0, -6]), ground);
  }
  if (parts.includes('white')) {
    const white = b.material('white').setBaseColorFactor([0.8, 0.8, 0.8, 1]).setRoughnessFactor(1);
    b.mesh('white', sphere([-1.2, 0.5, 0], 0.5), white);
  }
  if (parts.includes('gold')) {
    const gold = b
      .material('gold')
      .setBaseColorFactor([1, 0.78, 0.34, 1])
      .setMetallicFactor(1)
      .setRoughnessFactor(0.3);
    b.mesh('gold', sphere([0, 0.5, 0], 0.5), gold);
  }
  if (parts.includes('red')) {
    const red = b.material('red').setBaseColorFactor([0.7, 0.05, 0.05, 1]).setRoughnessFactor(0.15);
    b.mesh('red', sphere([1.2, 0.5, 0], 0.5), red);
  }
  const eye: Vec3 = [0, 1.2, 4];
  if (parts.length > 1) {
    b.camera(eye, [0, 0.4, 0], 40, 1);
  } else if (parts[0] === 'ground') {
    b.camera(eye, [0, 0, 1], 20, 1);
  } else {
    // The sphere's disc is 6.8° in radius from the eye: a 9° square view lies inside it.
    const centres = { white: [-1.2, 0.5, 0], gold: [0, 0.5, 0], red: [1.2, 0.5, 0] } as const;
    b.camera(eye, [...centres[parts[0] as 'white' | 'gold' | 'red']], 9, 1);
  }
}

function envProbe(b: AssetBuilder): void {
  // Something to import (a scene needs a triangle), behind the camera where no camera ray reaches it.
  const hidden = b.material('hidden');
  b.mesh('hidden', quad([-6, -0.5, 0.5], [0, 0, -1], [0, 1, 0]), hidden);
  // Towards azimuth 20° and 10° up, 90° high and twice as wide: the sun (40°, 35° up) is in view.
  const [az, el] = [(20 * Math.PI) / 180, (10 * Math.PI) / 180];
  b.camera([0, 0, 0], [Math.cos(el) * Math.cos(az), Math.sin(el), Math.cos(el) * Math.sin(az)], 90, 2);
}

export interface BuiltAssets {
  /** File paths of the .glb files, by asset name. */
  glb: Record<
    'pbr-box' | 'cutouts' | 'hdr-spheres' | 'env-probe' | 'hdr-ground' | 'hdr-white' | 'hdr-gold' | 'hdr-red',
    string
  >;
  hdrPath: string;
  map: EnvironmentMap;
}

/** Writes the assets and the .hdr into `dir` (created if needed). Same bytes every time. */
export async function buildAssets(dir: string): Promise<BuiltAssets> {
  mkdirSync(dir, { recursive: true });
  const builders = {
    'pbr-box': pbrBox,
    cutouts,
    'hdr-spheres': (b: AssetBuilder) => hdrSpheres(b),
    'env-probe': envProbe,
    'hdr-ground': (b: AssetBuilder) => hdrSpheres(b, ['ground']),
    'hdr-white': (b: AssetBuilder) => hdrSpheres(b, ['white']),
    'hdr-gold': (b: AssetBuilder) => hdrSpheres(b, ['gold']),
    'hdr-red': (b: AssetBuilder) => hdrSpheres(b, ['red']),
  };
  const glb = {} as BuiltAssets['glb'];
  for (const [name, build] of Object.entries(builders) as [
    keyof BuiltAssets['glb'],
    (b: AssetBuilder) => void,
  ][]) {
    const builder = new AssetBuilder();
    build(builder);
    const path = join(dir, `${name}.glb`);
    await builder.write(path);
    glb[name] = path;
  }
  const map = buildEnvironmentMap();
  const hdrPath = join(dir, 'sky.hdr');
  writeFileSync(hdrPath, map.file);
  return { glb, hdrPath, map };
}
