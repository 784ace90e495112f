/**
 * SceneDescription -> PackedScene: builds the BVH and writes every GPU section in the word layouts fixed by
 * packed-scene.ts (cited per section below). Pure and deterministic: the same description always packs to
 * the same words, so the serialised bytes and their hash identify the scene.
 */
import { encode as encodePng } from 'fast-png';
import { transformBox, validateAnimation } from './animation';
import { buildBvh } from './bvh';
import { emissiveLuminance } from './emission-footprint';
import { generatedTangent } from './generated-tangents';
import {
  ALPHA_MODE_CODE,
  BVH_NODE_WORDS,
  LIGHT_WORDS,
  MATERIAL_SLOT_BIT,
  MATERIAL_USES_TEXCOORD_1,
  MATERIAL_VERTEX_COLORS,
  MATERIAL_WORDS,
  MAX_INSTANCES,
  NO_TEXTURE,
  type PackedInstance,
  type PackedScene,
  type PackedSceneInfo,
  PUNCTUAL_INSTANCE_WORD,
  PUNCTUAL_WORDS,
  SHADING_WORDS,
  TEXTURE_SLOT_OFFSET,
  TEXTURE_SLOT_WORDS,
  TEXTURE_SLOTS,
  TEXTURE_WORDS,
  TRIANGLE_ALPHA_TESTED,
  TRIANGLE_CULL_BACK,
  TRIANGLE_WORDS,
  WRAP_CODE,
} from './packed-scene';
import {
  IDENTITY_TRANSFORM,
  type InstanceDescription,
  type MaterialDescription,
  type SceneDescription,
  type TextureBinding,
  type Transform3x4,
  type Vec3,
} from './scene-description';

/** Rec. 709 luminance of a linear RGB colour: the light sampler's notion of "how bright". */
export function luminance(rgb: Readonly<Vec3>): number {
  return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
}

// Texels are copied into the `texels` section byte for byte, which yields the documented word value
// r | g << 8 | b << 16 | a << 24 only on a little-endian host. Every WebGPU platform is little-endian; fail
// loudly rather than pack scrambled colours if that ever changes.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const PUNCTUAL_TYPE = { point: 0, spot: 1, directional: 2 } as const;

/**
 * Packs `scene` for the GPU. Throws a RangeError when the description is inconsistent (array lengths that
 * disagree with the triangle count, a material or texture index out of range, a texture whose pixel data
 * does not match its size): those are bugs in whatever built the description, not user errors.
 */
export function packScene(scene: SceneDescription): PackedScene {
  if (!LITTLE_ENDIAN) throw new Error('packScene needs a little-endian host');
  validate(scene);

  const triangleCount = scene.materialIndices.length;
  const bvh = buildInstanceBvhs(scene);
  const order = bvh.triangleOrder;
  const pos = scene.positions;

  // triangles: TRIANGLE_WORDS = 12 per triangle, BVH leaf order.
  //   [0..2] f v0  [3] u materialIndex  [4..6] f edge1 = v1 - v0  [7] u flags (TRIANGLE_ALPHA_TESTED,
  //   TRIANGLE_CULL_BACK)  [8..10] f edge2 = v2 - v0  [11] f emitted luminance (the triangle's average over
  //   its emissive texture footprint; 0 = not in the light CDF)
  const triangles = new Uint32Array(Math.max(1, triangleCount) * TRIANGLE_WORDS);
  const triF = new Float32Array(triangles.buffer);
  // shading: SHADING_WORDS = 32 per triangle, same order:
  //   [0..2] n0 [3] u0  [4..6] n1 [7] v0  [8..10] n2 [11] u1  [12] v1 [13] u2 [14] v2 [15] 0
  //   (u/v here are TEXCOORD_0 of vertices 0..2, packed into the normals' spare lanes)
  //   [16..21] f TEXCOORD_1 u0 v0 u1 v1 u2 v2
  //   [22..27] u COLOR_0 per vertex: pack2x16unorm(r, g), pack2x16unorm(b, a)
  //   [28..30] u tangent xyz per vertex, octahedral pack2x16snorm
  //   [31] u bit k: vertex k's tangent handedness w is -1
  const shading = new Uint32Array(Math.max(1, triangleCount) * SHADING_WORDS);
  const shF = new Float32Array(shading.buffer);
  // Light candidates are collected in BVH order so that `lights[i].triangle` indexes `triangles` directly.
  const lightTriangles: number[] = [];
  const lightAreas: number[] = [];
  const lightWeights: number[] = [];
  const materialLuminance = scene.materials.map((m) => Math.max(0, luminance(m.emissive)));
  const triangleFlags = scene.materials.map(
    (m) =>
      ((m.alphaMode ?? 'opaque') === 'opaque' ? 0 : TRIANGLE_ALPHA_TESTED) |
      // Glass needs its back faces (a refracted ray leaves through them), whatever the file says.
      ((m.doubleSided ?? true) || m.transmission > 0 ? 0 : TRIANGLE_CULL_BACK),
  );
  const uvs1 = scene.uvs1 ?? scene.uvs;

  for (let i = 0; i < triangleCount; i++) {
    const t = order[i] as number;
    const p = t * 9;
    const o = i * TRIANGLE_WORDS;
    const x0 = pos[p] as number;
    const y0 = pos[p + 1] as number;
    const z0 = pos[p + 2] as number;
    const e1x = (pos[p + 3] as number) - x0;
    const e1y = (pos[p + 4] as number) - y0;
    const e1z = (pos[p + 5] as number) - z0;
    const e2x = (pos[p + 6] as number) - x0;
    const e2y = (pos[p + 7] as number) - y0;
    const e2z = (pos[p + 8] as number) - z0;
    const material = scene.materialIndices[t] as number;
    triF[o] = x0;
    triF[o + 1] = y0;
    triF[o + 2] = z0;
    triangles[o + 3] = material;
    triF[o + 4] = e1x;
    triF[o + 5] = e1y;
    triF[o + 6] = e1z;
    triangles[o + 7] = triangleFlags[material] as number;
    triF[o + 8] = e2x;
    triF[o + 9] = e2y;
    triF[o + 10] = e2z;

    const s = i * SHADING_WORDS;
    const n = t * 9;
    const uv = t * 6;
    for (let v = 0; v < 3; v++) {
      shF[s + 4 * v] = scene.normals[n + 3 * v] as number;
      shF[s + 4 * v + 1] = scene.normals[n + 3 * v + 1] as number;
      shF[s + 4 * v + 2] = scene.normals[n + 3 * v + 2] as number;
    }
    shF[s + 3] = scene.uvs[uv] as number;
    shF[s + 7] = scene.uvs[uv + 1] as number;
    shF[s + 11] = scene.uvs[uv + 2] as number;
    shF[s + 12] = scene.uvs[uv + 3] as number;
    shF[s + 13] = scene.uvs[uv + 4] as number;
    shF[s + 14] = scene.uvs[uv + 5] as number;
    for (let k = 0; k < 6; k++) shF[s + 16 + k] = uvs1[uv + k] as number;
    const c = t * 12;
    let handedness = 0;
    const m = scene.materials[material] as MaterialDescription;
    const normalUvs = m.normalTexture?.texCoord === 1 ? uvs1 : scene.uvs;
    const generated = scene.tangents ? null : generatedTangent(pos, normalUvs, t);
    for (let v = 0; v < 3; v++) {
      const color = scene.colors;
      const channel = (k: number) => (color ? (color[c + 4 * v + k] as number) : 1);
      shading[s + 22 + 2 * v] = pack2x16unorm(channel(0), channel(1));
      shading[s + 23 + 2 * v] = pack2x16unorm(channel(2), channel(3));
      let tx = generated?.[0] ?? 0;
      let ty = generated?.[1] ?? 0;
      let tz = generated?.[2] ?? 0;
      let w = generated?.[3] ?? 1;
      if (scene.tangents) {
        tx = scene.tangents[c + 4 * v] as number;
        ty = scene.tangents[c + 4 * v + 1] as number;
        tz = scene.tangents[c + 4 * v + 2] as number;
        w = scene.tangents[c + 4 * v + 3] as number;
        if (!(Math.hypot(tx, ty, tz) > 0)) {
          const g = generatedTangent(pos, normalUvs, t);
          [tx, ty, tz, w] = g;
        }
      }
      shading[s + 28 + v] = packOctahedral(tx, ty, tz);
      if (w < 0) handedness |= 1 << v;
    }
    shading[s + 31] = handedness;

    let lum = materialLuminance[material] as number;
    if (lum > 0 && m.emissiveTexture) {
      const binding = m.emissiveTexture;
      lum = emissiveLuminance(
        m.emissive,
        binding,
        scene.textures[binding.texture] as SceneDescription['textures'][number],
        binding.texCoord === 1 ? uvs1 : scene.uvs,
        t,
      );
    }
    triF[o + 11] = lum;
    if (lum > 0) {
      // Area from the float32 edges the kernel will see, so its pdf matches what it intersects.
      const cx = Math.fround(e1y) * Math.fround(e2z) - Math.fround(e1z) * Math.fround(e2y);
      const cy = Math.fround(e1z) * Math.fround(e2x) - Math.fround(e1x) * Math.fround(e2z);
      const cz = Math.fround(e1x) * Math.fround(e2y) - Math.fround(e1y) * Math.fround(e2x);
      const area = 0.5 * Math.hypot(cx, cy, cz);
      // A zero-area emitter can never be hit nor sampled with a finite pdf: leave it out.
      if (area > 0) {
        lightTriangles.push(i);
        lightAreas.push(area);
        lightWeights.push(area * lum);
      }
    }
  }

  // lights: LIGHT_WORDS = 4 per emissive triangle:
  //   [0] u triangle index  [1] f cumulative probability (last = 1)  [2] f area  [3] f probability
  const lightCount = lightTriangles.length;
  const lights = new Uint32Array(Math.max(1, lightCount) * LIGHT_WORDS);
  const lightF = new Float32Array(lights.buffer);
  let emissivePower = 0;
  for (const w of lightWeights) emissivePower += w;
  let cumulative = 0;
  for (let l = 0; l < lightCount; l++) {
    const pdf = (lightWeights[l] as number) / emissivePower;
    cumulative += pdf;
    lights[l * LIGHT_WORDS] = lightTriangles[l] as number;
    // The last entry is exactly 1 so a uniform sample in [0, 1) always finds a light.
    lightF[l * LIGHT_WORDS + 1] = l === lightCount - 1 ? 1 : Math.min(1, cumulative);
    lightF[l * LIGHT_WORDS + 2] = lightAreas[l] as number;
    lightF[l * LIGHT_WORDS + 3] = pdf;
  }

  // materials: MATERIAL_WORDS = 48:
  //   [0..3] f baseColor  [4..6] f emissive  [7] u flags: bits 0-1 ALPHA_MODE_CODE, MATERIAL_VERTEX_COLORS,
  //   MATERIAL_USES_TEXCOORD_1, MATERIAL_SLOT_BIT << k for each present slot k
  //   [8] f metallic  [9] f roughness  [10] f transmission  [11] f ior  [12] f normalScale
  //   [13] f alphaCutoff  [14..15] 0
  //   [16 + 8k .. 23 + 8k] texture slot k (TEXTURE_SLOTS: baseColor, metallicRoughness, normal, emissive):
  //     [0] u texture or NO_TEXTURE  [1] u sampler: bit 0 texCoord, bits 1-2 wrapS, bits 3-4 wrapT
  //     (WRAP_CODE), bit 5 nearest  [2..7] f UV transform a b c d e f (uv' = (a u + b v + c, d u + e v + f))
  const materials = new Uint32Array(Math.max(1, scene.materials.length) * MATERIAL_WORDS);
  const matF = new Float32Array(materials.buffer);
  scene.materials.forEach((m: MaterialDescription, i) => {
    const o = i * MATERIAL_WORDS;
    matF.set(m.baseColor, o);
    matF.set(m.emissive, o + 4);
    let flags = ALPHA_MODE_CODE[m.alphaMode ?? 'opaque'] | (m.vertexColors ? MATERIAL_VERTEX_COLORS : 0);
    matF[o + 8] = m.metallic;
    matF[o + 9] = m.roughness;
    matF[o + 10] = m.transmission;
    matF[o + 11] = m.ior;
    matF[o + 12] = m.normalScale ?? 1;
    matF[o + 13] = m.alphaCutoff ?? 0.5;
    TEXTURE_SLOTS.forEach((slot, k) => {
      const so = o + TEXTURE_SLOT_OFFSET + k * TEXTURE_SLOT_WORDS;
      const binding: TextureBinding | null | undefined = m[slot];
      if (!binding) {
        materials[so] = NO_TEXTURE;
        matF.set([1, 0, 0, 0, 1, 0], so + 2);
        return;
      }
      flags |= MATERIAL_SLOT_BIT << k;
      if (binding.texCoord === 1) flags |= MATERIAL_USES_TEXCOORD_1;
      materials[so] = binding.texture;
      materials[so + 1] =
        binding.texCoord |
        (WRAP_CODE[binding.wrapS] << 1) |
        (WRAP_CODE[binding.wrapT] << 3) |
        (binding.nearest ? 1 << 5 : 0);
      matF.set(binding.transform, so + 2);
    });
    materials[o + 7] = flags;
  });

  // textures: TEXTURE_WORDS = 4: [0] u texel offset (words into `texels`) [1] u width [2] u height
  //   [3] u byte length of the texture's image file (PNG or JPEG, in `images`)
  // texels: one word per texel, r | g << 8 | b << 16 | a << 24.
  const textures = new Uint32Array(Math.max(1, scene.textures.length) * TEXTURE_WORDS);
  const images = scene.textures.map(
    (tex) =>
      new Uint8Array(
        tex.encoded ??
          encodePng({ width: tex.width, height: tex.height, data: tex.rgba, channels: 4, depth: 8 }),
      ),
  );
  let texelCount = 0;
  scene.textures.forEach((tex, i) => {
    textures[i * TEXTURE_WORDS] = texelCount;
    textures[i * TEXTURE_WORDS + 1] = tex.width;
    textures[i * TEXTURE_WORDS + 2] = tex.height;
    textures[i * TEXTURE_WORDS + 3] = (images[i] as Uint8Array).length;
    texelCount += tex.width * tex.height;
  });
  const texels = new Uint32Array(Math.max(1, texelCount));
  const texelBytes = new Uint8Array(texels.buffer);
  scene.textures.forEach((tex, i) => {
    texelBytes.set(tex.rgba, (textures[i * TEXTURE_WORDS] as number) * 4);
  });

  // punctual: PUNCTUAL_WORDS = 16: [0] u type [1..3] f position [4..6] f direction [7] f innerConeCos
  //   [8..10] f intensity [11] f outerConeCos [12] f range (0 = infinite) [13..15] 0
  const punctual = new Uint32Array(Math.max(1, scene.punctualLights.length) * PUNCTUAL_WORDS);
  const punF = new Float32Array(punctual.buffer);
  scene.punctualLights.forEach((light, i) => {
    const o = i * PUNCTUAL_WORDS;
    punctual[o] = PUNCTUAL_TYPE[light.type];
    punF.set(light.position, o + 1);
    punF.set(light.direction, o + 4);
    punF[o + 7] = light.innerConeCos;
    punF.set(light.intensity, o + 8);
    punF[o + 11] = light.outerConeCos;
    punF[o + 12] = light.range ?? 0;
    punctual[o + PUNCTUAL_INSTANCE_WORD] = light.instance ?? 0;
  });

  // The root node's box (exact float32 bounds of every vertex) is the scene's bounds; with instances, the
  // union of their boxes at their rest transforms.
  const rootF = sceneBounds(bvh);
  const info: PackedSceneInfo = {
    triangleCount,
    nodeCount: bvh.nodeCount,
    materialCount: scene.materials.length,
    textureCount: scene.textures.length,
    lightCount,
    punctualCount: scene.punctualLights.length,
    emissivePower,
    bounds: {
      min: copyVec3([rootF[0] as number, rootF[1] as number, rootF[2] as number]),
      max: copyVec3([rootF[4] as number, rootF[5] as number, rootF[6] as number]),
    },
    camera: {
      position: copyVec3(scene.camera.position),
      target: copyVec3(scene.camera.target),
      up: copyVec3(scene.camera.up),
      yfov: scene.camera.yfov + 0,
    },
  };

  return {
    info,
    sections: { nodes: bvh.nodes, triangles, shading, materials, textures, texels, lights, punctual },
    images,
    instances: bvh.instances,
    animation: scene.animation ?? null,
  };
}

interface InstanceBvhs {
  nodes: Uint32Array<ArrayBuffer>;
  nodeCount: number;
  /** BVH order -> the description's triangle index, over all instances. */
  triangleOrder: Uint32Array<ArrayBuffer>;
  instances: PackedInstance[];
}

/**
 * The bottom level of the two-level BVH: one tree per instance over its own triangles, concatenated in
 * instance order (packed-scene.ts PackedInstance). A still scene is one instance: exactly buildBvh's tree.
 */
function buildInstanceBvhs(scene: SceneDescription): InstanceBvhs {
  const descriptions = scene.instances?.length ? scene.instances : [{ name: 'static', transform: IDENTITY }];
  const triangleCount = scene.materialIndices.length;
  if (descriptions.length === 1) {
    const bvh = buildBvh(scene.positions);
    return {
      ...bvh,
      instances: [instanceRecord(descriptions[0] as InstanceDescription, 0, bvh.nodeCount, 0, triangleCount)],
    };
  }
  const membership = scene.triangleInstances as Uint32Array;
  const members: number[][] = descriptions.map(() => []);
  for (let t = 0; t < triangleCount; t++) (members[membership[t] as number] as number[]).push(t);
  const trees = members.map((list) => {
    if (list.length === 0) return null;
    const positions = new Float32Array(list.length * 9);
    list.forEach((t, i) => {
      positions.set(scene.positions.subarray(t * 9, t * 9 + 9), i * 9);
    });
    return buildBvh(positions);
  });
  const nodeTotal = trees.reduce((n, tree) => n + (tree?.nodeCount ?? 0), 0);
  // Every instance empty (a scene of no triangles): one empty leaf, as buildBvh gives.
  const nodes = new Uint32Array(Math.max(1, nodeTotal) * BVH_NODE_WORDS);
  const triangleOrder = new Uint32Array(triangleCount);
  const instances: PackedInstance[] = [];
  let nodeBase = 0;
  let triangleBase = 0;
  descriptions.forEach((description, k) => {
    const tree = trees[k];
    const list = members[k] as number[];
    instances.push(instanceRecord(description, nodeBase, tree?.nodeCount ?? 0, triangleBase, list.length));
    if (!tree) return;
    for (let n = 0; n < tree.nodeCount; n++) {
      const o = n * BVH_NODE_WORDS;
      const target = (nodeBase + n) * BVH_NODE_WORDS;
      for (let w = 0; w < BVH_NODE_WORDS; w++) nodes[target + w] = tree.nodes[o + w] as number;
      // Child indices and leaf ranges become absolute.
      const leaf = (tree.nodes[o + 7] as number) > 0;
      nodes[target + 3] = (tree.nodes[o + 3] as number) + (leaf ? triangleBase : nodeBase);
    }
    for (let i = 0; i < list.length; i++) {
      triangleOrder[triangleBase + i] = list[tree.triangleOrder[i] as number] as number;
    }
    nodeBase += tree.nodeCount;
    triangleBase += list.length;
  });
  return { nodes, nodeCount: Math.max(1, nodeTotal), triangleOrder, instances };
}

const IDENTITY: Transform3x4 = [...IDENTITY_TRANSFORM];

function instanceRecord(
  d: InstanceDescription,
  rootNode: number,
  nodeCount: number,
  firstTriangle: number,
  triangleCount: number,
): PackedInstance {
  return {
    name: d.name,
    rootNode,
    nodeCount,
    firstTriangle,
    triangleCount,
    transform: d.transform.map((x) => Math.fround(x) + 0) as Transform3x4,
  };
}

/**
 * The scene's bounds as 8 floats in BVH node layout (min xyz, -, max xyz, -): the root box of a single
 * instance, else the union of every instance's root box carried by its rest transform.
 */
function sceneBounds(bvh: InstanceBvhs): Float32Array {
  const floats = new Float32Array(bvh.nodes.buffer);
  if (bvh.instances.length === 1) return floats.subarray(0, BVH_NODE_WORDS);
  const out = new Float32Array(BVH_NODE_WORDS);
  out.set([Infinity, Infinity, Infinity, 0, -Infinity, -Infinity, -Infinity, 0]);
  for (const instance of bvh.instances) {
    if (instance.triangleCount === 0) continue;
    const b = instance.rootNode * BVH_NODE_WORDS;
    const box = transformBox(
      [floats[b] as number, floats[b + 1] as number, floats[b + 2] as number],
      [floats[b + 4] as number, floats[b + 5] as number, floats[b + 6] as number],
      instance.transform,
    );
    for (let a = 0; a < 3; a++) {
      out[a] = Math.min(out[a] as number, box.min[a] as number);
      out[4 + a] = Math.max(out[4 + a] as number, box.max[a] as number);
    }
  }
  if (!((out[0] as number) <= (out[4] as number))) out.fill(0);
  return out;
}

/** WGSL's pack2x16unorm: x in the low half. */
function pack2x16unorm(x: number, y: number): number {
  const q = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 65535);
  return (q(x) | (q(y) << 16)) >>> 0;
}

/**
 * A direction as two snorm16 numbers in WGSL's pack2x16snorm layout: the octahedral map (Cigolle et al.,
 * "A Survey of Efficient Representations for Independent Unit Vectors", JCGT 2014), error below 1e-4 rad.
 */
export function packOctahedral(x: number, y: number, z: number): number {
  const l1 = Math.abs(x) + Math.abs(y) + Math.abs(z);
  if (!(l1 > 0)) return 0;
  let u = x / l1;
  let v = y / l1;
  if (z < 0) {
    const su = u >= 0 ? 1 : -1;
    const sv = v >= 0 ? 1 : -1;
    [u, v] = [(1 - Math.abs(v)) * su, (1 - Math.abs(u)) * sv];
  }
  const q = (a: number) => Math.round(Math.min(1, Math.max(-1, a)) * 32767) & 0xffff;
  return (q(u) | (q(v) << 16)) >>> 0;
}

/**
 * `info` travels as JSON, which writes -0 as 0; adding +0 turns -0 into +0 here so that a parsed file equals
 * the packed scene exactly.
 */
function copyVec3(v: Readonly<Vec3>): Vec3 {
  return [v[0] + 0, v[1] + 0, v[2] + 0];
}

function validate(scene: SceneDescription): void {
  const n = scene.materialIndices.length;
  if (scene.positions.length !== n * 9) {
    throw new RangeError(
      `positions holds ${scene.positions.length} floats for ${n} triangles (want ${n * 9})`,
    );
  }
  if (scene.normals.length !== n * 9) {
    throw new RangeError(`normals holds ${scene.normals.length} floats for ${n} triangles (want ${n * 9})`);
  }
  if (scene.uvs.length !== n * 6) {
    throw new RangeError(`uvs holds ${scene.uvs.length} floats for ${n} triangles (want ${n * 6})`);
  }
  const c = scene.camera;
  if (
    ![...c.position, ...c.target, ...c.up, c.yfov].every(Number.isFinite) ||
    !(c.yfov > 0 && c.yfov < Math.PI)
  ) {
    throw new RangeError('camera has a non-finite component or a field of view outside (0, pi)');
  }
  const materialCount = scene.materials.length;
  for (let i = 0; i < n; i++) {
    if ((scene.materialIndices[i] as number) >= materialCount) {
      throw new RangeError(
        `triangle ${i} uses material ${scene.materialIndices[i]}, but there are ${materialCount}`,
      );
    }
  }
  scene.materials.forEach((m, i) => {
    const values = [...m.baseColor, ...m.emissive, m.metallic, m.roughness, m.transmission, m.ior];
    if (!values.every(Number.isFinite))
      throw new RangeError(`material ${i} (${m.name}) has a non-finite value`);
    for (const slot of TEXTURE_SLOTS) {
      const binding = m[slot];
      if (!binding) continue;
      if (
        !(
          Number.isInteger(binding.texture) &&
          binding.texture >= 0 &&
          binding.texture < scene.textures.length
        )
      ) {
        throw new RangeError(
          `material ${i} (${m.name}) uses texture ${binding.texture}, but there are ${scene.textures.length}`,
        );
      }
      if (!binding.transform.every(Number.isFinite)) {
        throw new RangeError(`material ${i} (${m.name}) has a non-finite texture transform`);
      }
    }
    if (![m.normalScale ?? 1, m.alphaCutoff ?? 0.5].every(Number.isFinite)) {
      throw new RangeError(`material ${i} (${m.name}) has a non-finite value`);
    }
  });
  const perTriangle: [string, Float32Array | undefined, number][] = [
    ['uvs1', scene.uvs1, 6],
    ['colors', scene.colors, 12],
    ['tangents', scene.tangents, 12],
  ];
  for (const [name, array, floats] of perTriangle) {
    if (array && array.length !== n * floats) {
      throw new RangeError(`${name} holds ${array.length} floats for ${n} triangles (want ${n * floats})`);
    }
  }
  scene.punctualLights.forEach((l, i) => {
    const values = [...l.position, ...l.direction, ...l.intensity, l.innerConeCos, l.outerConeCos];
    if (!values.every(Number.isFinite)) throw new RangeError(`punctual light ${i} has a non-finite value`);
    if (l.range !== undefined && !(l.range > 0 && l.range < Infinity)) {
      throw new RangeError(`punctual light ${i} has range ${l.range}; a range must be positive and finite`);
    }
  });
  validateInstances(scene);
  scene.textures.forEach((t, i) => {
    if (!Number.isInteger(t.width) || !Number.isInteger(t.height) || t.width < 1 || t.height < 1) {
      throw new RangeError(`texture ${i} (${t.name}) has size ${t.width}x${t.height}`);
    }
    if (t.rgba.length !== t.width * t.height * 4) {
      throw new RangeError(
        `texture ${i} (${t.name}) holds ${t.rgba.length} bytes, not ${t.width}x${t.height}x4`,
      );
    }
  });
}

function validateInstances(scene: SceneDescription): void {
  const instances = scene.instances ?? [];
  const n = scene.materialIndices.length;
  const count = Math.max(1, instances.length);
  if (instances.length > MAX_INSTANCES) {
    throw new RangeError(`${instances.length} instances, more than ${MAX_INSTANCES}`);
  }
  instances.forEach((instance, k) => {
    if (instance.transform.length !== 12 || !instance.transform.every(Number.isFinite)) {
      throw new RangeError(`instance ${k} has a transform that is not 12 finite numbers`);
    }
  });
  if (instances.length > 0 && !instances[0]?.transform.every((x, i) => x === IDENTITY_TRANSFORM[i])) {
    throw new RangeError('instance 0 (the static geometry) must be at the identity');
  }
  if (scene.triangleInstances) {
    if (scene.triangleInstances.length !== n) {
      throw new RangeError(
        `triangleInstances holds ${scene.triangleInstances.length} entries for ${n} triangles`,
      );
    }
    for (let t = 0; t < n; t++) {
      if ((scene.triangleInstances[t] as number) >= count) {
        throw new RangeError(
          `triangle ${t} is in instance ${scene.triangleInstances[t]}, but there are ${count}`,
        );
      }
    }
  } else if (instances.length > 1) {
    throw new RangeError('a scene with several instances needs triangleInstances');
  }
  if (instances.length > 1 && n === 0)
    throw new RangeError('a scene with several instances has no triangles');
  scene.punctualLights.forEach((l, i) => {
    if (
      l.instance !== undefined &&
      !(Number.isInteger(l.instance) && l.instance >= 0 && l.instance < count)
    ) {
      throw new RangeError(`punctual light ${i} is in instance ${l.instance}, but there are ${count}`);
    }
  });
  if (scene.animation) {
    const problem = validateAnimation(scene.animation, count);
    if (problem) throw new RangeError(problem);
  }
}
