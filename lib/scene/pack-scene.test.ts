import { describe, expect, it } from 'vitest';
import { cornellBox } from './demo-scenes';
import { luminance, packScene } from './pack-scene';
import {
  BVH_NODE_WORDS,
  LIGHT_WORDS,
  MATERIAL_WORDS,
  NO_TEXTURE,
  PUNCTUAL_WORDS,
  SHADING_WORDS,
  TEXTURE_WORDS,
  TRIANGLE_WORDS,
} from './packed-scene';
import { DEFAULT_MATERIAL, type SceneDescription, textureBinding } from './scene-description';
import { serializePackedScene } from './scene-file';

const floats = (words: Uint32Array) => new Float32Array(words.buffer, words.byteOffset, words.length);

/** Two triangles: one plain (material 0), one emissive (material 1) with a 2x1 texture. */
function tinyScene(): SceneDescription {
  return {
    positions: new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0, 5, 5, 5, 7, 5, 5, 5, 7, 5]),
    normals: new Float32Array([0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0.6, 0.8, 0, 0.8, 0.6, 1, 0, 0]),
    uvs: new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.25, 0.75]),
    materialIndices: new Uint32Array([0, 1]),
    materials: [
      { ...DEFAULT_MATERIAL, name: 'plain', baseColorTexture: textureBinding(0) },
      {
        name: 'lamp',
        baseColor: [0.5, 0.25, 0.125, 1],
        baseColorTexture: null,
        metallic: 0.75,
        roughness: 0.375,
        emissive: [2, 4, 8],
        transmission: 0.5,
        ior: 1.25,
      },
    ],
    textures: [{ name: 't', width: 2, height: 1, rgba: new Uint8Array([1, 2, 3, 4, 250, 251, 252, 253]) }],
    camera: { position: [0, 0, 10], target: [0, 0, 0], up: [0, 1, 0], yfov: 0.5 },
    punctualLights: [
      {
        type: 'spot',
        position: [1, 2, 3],
        direction: [0, -1, 0],
        intensity: [10, 20, 30],
        innerConeCos: 0.875,
        outerConeCos: 0.5,
      },
    ],
  };
}

describe('packScene', () => {
  it('writes every section in the documented word layout', () => {
    const scene = tinyScene();
    const packed = packScene(scene);
    const { info, sections } = packed;
    expect(info).toMatchObject({
      triangleCount: 2,
      materialCount: 2,
      textureCount: 1,
      lightCount: 1,
      punctualCount: 1,
      bounds: { min: [0, 0, 0], max: [7, 7, 5] },
      camera: scene.camera,
    });
    expect(sections.nodes.length).toBe(info.nodeCount * BVH_NODE_WORDS);

    // Find where the emissive triangle landed in BVH order.
    const slot = sections.triangles[3] === 1 ? 0 : 1;
    const tri = floats(sections.triangles).subarray(slot * TRIANGLE_WORDS, (slot + 1) * TRIANGLE_WORDS);
    // [0..2] v0 [3] material (uint) [4..6] edge1 [7] flags [8..10] edge2 [11] emitted luminance
    expect([
      tri[0],
      tri[1],
      tri[2],
      tri[4],
      tri[5],
      tri[6],
      tri[7],
      tri[8],
      tri[9],
      tri[10],
      tri[11],
    ]).toEqual([5, 5, 5, 2, 0, 0, 0, 0, 2, 0, Math.fround(luminance([2, 4, 8]))]);
    expect(sections.triangles[slot * TRIANGLE_WORDS + 3]).toBe(1);
    // shading: [0..2] n0 [3] u0 [4..6] n1 [7] v0 [8..10] n2 [11] u1 [12] v1 [13] u2 [14] v2 [15] 0
    const sh = Array.from(
      floats(sections.shading).subarray(slot * SHADING_WORDS, (slot + 1) * SHADING_WORDS),
    );
    expect(sh.slice(0, 16).map((x) => Math.fround(x))).toEqual(
      [0, 0.6, 0.8, 0.7, 0, 0.8, 0.6, 0.8, 1, 0, 0, 0.9, 1.0, 0.25, 0.75, 0].map(Math.fround),
    );
    // [16..21] TEXCOORD_1 (a copy of TEXCOORD_0 without one) [22..27] COLOR_0 (white without one)
    expect(sh.slice(16, 22)).toEqual([0.7, 0.8, 0.9, 1.0, 0.25, 0.75].map(Math.fround));
    const shWords = Array.from(sections.shading.subarray(slot * SHADING_WORDS, (slot + 1) * SHADING_WORDS));
    expect(shWords.slice(22, 28)).toEqual([
      0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
    ]);
    // [28..30] generated tangent dP/du (octahedral), the same at every corner; [31] handedness bits
    expect(shWords[28]).toBe(shWords[29]);
    expect(shWords[28]).toBe(shWords[30]);
    expect([0, 7]).toContain(shWords[31]);

    // materials: [0..3] baseColor [4..6] emissive [7] flags [8] metallic [9] roughness [10] transmission
    // [11] ior [12] normalScale [13] alphaCutoff, then four texture slots of 8 words
    const m = floats(sections.materials);
    expect(Array.from(m.subarray(MATERIAL_WORDS, MATERIAL_WORDS + 14)).filter((_, i) => i !== 7)).toEqual([
      0.5, 0.25, 0.125, 1, 2, 4, 8, 0.75, 0.375, 0.5, 1.25, 1, 0.5,
    ]);
    expect(sections.materials[MATERIAL_WORDS + 7]).toBe(0);
    for (let k = 0; k < 4; k++) expect(sections.materials[MATERIAL_WORDS + 16 + 8 * k]).toBe(NO_TEXTURE);
    // Material 0: its base colour slot present (flag bit 4), texture 0, TEXCOORD_0, repeat, bilinear,
    // identity transform; the other slots empty.
    expect(sections.materials[7]).toBe(16);
    expect(Array.from(sections.materials.subarray(16, 18))).toEqual([0, 0]);
    expect(Array.from(m.subarray(18, 24))).toEqual([1, 0, 0, 0, 1, 0]);
    expect(sections.materials[24]).toBe(NO_TEXTURE);

    // textures: [0] texel offset [1] width [2] height [3] PNG bytes; texels r | g << 8 | b << 16 | a << 24.
    expect(Array.from(sections.textures.subarray(0, 3))).toEqual([0, 2, 1]);
    expect(sections.textures[3]).toBe(packed.images[0]?.length);
    expect(Array.from(packed.images[0]?.subarray(1, 4) ?? [])).toEqual([0x50, 0x4e, 0x47]); // 'PNG'
    expect(Array.from(sections.texels)).toEqual([0x04030201, 0xfdfcfbfa]);

    // lights: [0] triangle [1] cdf [2] area [3] pdf
    const l = floats(sections.lights);
    expect(sections.lights[0]).toBe(slot);
    expect([l[1], l[2], l[3]]).toEqual([1, 2, 1]);
    expect(info.emissivePower).toBeCloseTo(2 * luminance([2, 4, 8]), 10);

    // punctual: [0] type [1..3] position [4..6] direction [7] inner [8..10] intensity [11] outer
    const p = floats(sections.punctual);
    expect(sections.punctual[0]).toBe(1);
    expect(Array.from(p.subarray(1, 12))).toEqual([1, 2, 3, 0, -1, 0, 0.875, 10, 20, 30, 0.5]);
    expect(Array.from(sections.punctual.subarray(12, PUNCTUAL_WORDS))).toEqual([0, 0, 0, 0]);
  });

  it('stores empty sections as one entry of zeros', () => {
    const scene = tinyScene();
    scene.materials = [{ ...DEFAULT_MATERIAL }];
    scene.materialIndices = new Uint32Array([0, 0]);
    scene.textures = [];
    scene.punctualLights = [];
    const { info, sections } = packScene(scene);
    expect(info).toMatchObject({ textureCount: 0, lightCount: 0, punctualCount: 0, emissivePower: 0 });
    expect(Array.from(sections.textures)).toEqual(new Array(TEXTURE_WORDS).fill(0));
    expect(Array.from(sections.texels)).toEqual([0]);
    expect(Array.from(sections.lights)).toEqual(new Array(LIGHT_WORDS).fill(0));
    expect(Array.from(sections.punctual)).toEqual(new Array(PUNCTUAL_WORDS).fill(0));
  });

  it('reorders triangles and shading together by the BVH permutation', () => {
    const scene = cornellBox();
    const { info, sections } = packScene(scene);
    const tri = floats(sections.triangles);
    const sh = floats(sections.shading);
    // Match every packed triangle back to its source triangle by v0, material, n0 and the three UVs
    // (unique in this scene), then check its edges.
    const key = (values: number[]) => values.map((v) => Math.fround(v)).join(',');
    const source = new Map<string, number>();
    for (let t = 0; t < info.triangleCount; t++) {
      const p = Array.from(scene.positions.subarray(t * 9, t * 9 + 3));
      const n = Array.from(scene.normals.subarray(t * 9, t * 9 + 3));
      const uv = Array.from(scene.uvs.subarray(t * 6, t * 6 + 6));
      source.set(key([...p, scene.materialIndices[t] as number, ...n, ...uv]), t);
    }
    expect(source.size).toBe(info.triangleCount);
    let matched = 0;
    let maxEdgeError = 0;
    let normalMismatches = 0;
    for (let i = 0; i < info.triangleCount; i++) {
      const o = i * TRIANGLE_WORDS;
      const s = i * SHADING_WORDS;
      const at = (k: number) => sh[s + k] as number;
      const packedKey = key([
        ...Array.from(tri.subarray(o, o + 3)),
        sections.triangles[o + 3] as number,
        at(0),
        at(1),
        at(2),
        at(3),
        at(7),
        at(11),
        at(12),
        at(13),
        at(14),
      ]);
      const t = source.get(packedKey);
      if (t === undefined) throw new Error(`packed triangle ${i} has no source`);
      const p = scene.positions.subarray(t * 9, t * 9 + 9);
      for (let a = 0; a < 3; a++) {
        // Edges are rounded to float32 once; allow that rounding and nothing more.
        const e1 = (p[3 + a] as number) - (p[a] as number);
        const e2 = (p[6 + a] as number) - (p[a] as number);
        maxEdgeError = Math.max(
          maxEdgeError,
          Math.abs((tri[o + 4 + a] as number) - e1),
          Math.abs((tri[o + 8 + a] as number) - e2),
        );
        if (at(4 + a) !== scene.normals[t * 9 + 3 + a] || at(8 + a) !== scene.normals[t * 9 + 6 + a])
          normalMismatches++;
      }
      source.delete(packedKey);
      matched++;
    }
    expect(matched).toBe(4044);
    expect(maxEdgeError).toBeLessThan(1e-6);
    expect(normalMismatches).toBe(0);
  });

  it('samples emissive triangles in proportion to area x luminance', () => {
    const scene = tinyScene();
    // A third triangle, emissive too, with half the area of the second and a dimmer material.
    scene.positions = new Float32Array([...scene.positions, 0, 0, 9, 1, 0, 9, 0, 2, 9]);
    scene.normals = new Float32Array([...scene.normals, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
    scene.uvs = new Float32Array([...scene.uvs, 0, 0, 0, 0, 0, 0]);
    scene.materials.push({ ...DEFAULT_MATERIAL, name: 'dim', emissive: [1, 1, 1] });
    scene.materialIndices = new Uint32Array([0, 1, 2]);
    const { info, sections } = packScene(scene);
    expect(info.lightCount).toBe(2);
    const l = floats(sections.lights);
    const lampWeight = 2 * luminance([2, 4, 8]); // area 2
    const dimWeight = 1 * 1; // area 1, luminance 1
    const total = lampWeight + dimWeight;
    const byTriangle = new Map<number, number>();
    for (let i = 0; i < 2; i++) {
      const triangle = sections.lights[i * LIGHT_WORDS] as number;
      byTriangle.set(
        sections.triangles[triangle * TRIANGLE_WORDS + 3] as number,
        l[i * LIGHT_WORDS + 3] as number,
      );
    }
    expect(byTriangle.get(1)).toBeCloseTo(lampWeight / total, 6);
    expect(byTriangle.get(2)).toBeCloseTo(dimWeight / total, 6);
    expect(l[1]).toBeCloseTo(l[3] as number, 6);
    expect(l[LIGHT_WORDS + 1]).toBe(1);
    expect(info.emissivePower).toBeCloseTo(total, 6);
  });

  it('rejects inconsistent descriptions', () => {
    const badMaterial = tinyScene();
    badMaterial.materialIndices = new Uint32Array([0, 5]);
    expect(() => packScene(badMaterial)).toThrow(/material 5/);
    const badTexture = tinyScene();
    badTexture.textures[0] = { name: 't', width: 3, height: 1, rgba: new Uint8Array(8) };
    expect(() => packScene(badTexture)).toThrow(/holds 8 bytes/);
    const badNormals = tinyScene();
    badNormals.normals = new Float32Array(3);
    expect(() => packScene(badNormals)).toThrow(/normals/);
  });

  it('is deterministic', () => {
    const a = serializePackedScene(packScene(cornellBox()));
    const b = serializePackedScene(packScene(cornellBox()));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});
