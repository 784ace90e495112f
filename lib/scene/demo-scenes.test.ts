import { describe, expect, it } from 'vitest';
import { BUILT_IN_SCENES } from '../protocol/job-spec';
import { checkerTexture, cornellBox, DEMO_SCENES, denseMeshBox, materialShowcase } from './demo-scenes';
import { packScene } from './pack-scene';
import type { SceneDescription } from './scene-description';

/** Fraction of triangles whose winding normal (edge1 x edge2) agrees with their averaged shading normal. */
function windingAgreement(scene: SceneDescription): number {
  const p = scene.positions;
  const n = scene.normals;
  let agree = 0;
  const count = scene.materialIndices.length;
  for (let t = 0; t < count; t++) {
    const v = (k: number) => p[t * 9 + k] as number;
    const e1 = [v(3) - v(0), v(4) - v(1), v(5) - v(2)] as const;
    const e2 = [v(6) - v(0), v(7) - v(1), v(8) - v(2)] as const;
    const g = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
    let dot = 0;
    for (let k = 0; k < 3; k++)
      for (let a = 0; a < 3; a++) dot += (g[a] as number) * (n[t * 9 + k * 3 + a] as number);
    if (dot > 0) agree++;
  }
  return agree / count;
}

describe('demo scenes', () => {
  it('has one entry per built-in scene id', () => {
    expect(Object.keys(DEMO_SCENES).sort()).toEqual([...BUILT_IN_SCENES].sort());
  });

  it('cornellBox reproduces shaders/cornell.wgsl: 5 walls, a 0.2 m^2 light, two ~2k-triangle spheres', () => {
    const scene = cornellBox();
    expect(scene.materialIndices.length).toBe(12 + 2 * 2016);
    expect(scene.camera).toEqual({
      position: [0, 1, 3.6],
      target: [0, 1, 0],
      up: [0, 1, 0],
      yfov: (38 * Math.PI) / 180,
    });
    const light = scene.materials.find((m) => m.name === 'light');
    expect(light?.emissive).toEqual([17, 12, 4]);
    const mirror = scene.materials.find((m) => m.name === 'mirror');
    expect(mirror).toMatchObject({ metallic: 1, roughness: 0, baseColor: [0.95, 0.93, 0.88, 1] });
    const packed = packScene(scene);
    expect(packed.info.lightCount).toBe(2);
    expect(packed.info.emissivePower).toBeCloseTo(0.2 * (0.2126 * 17 + 0.7152 * 12 + 0.0722 * 4), 5);
    expect(packed.info.bounds).toEqual({ min: [-1, 0, -1], max: [1, 2, 1] });
    // The light faces down: its triangles' shading normals are -y.
    const lightIndex = scene.materials.indexOf(light as (typeof scene.materials)[number]);
    for (let t = 0; t < scene.materialIndices.length; t++) {
      if (scene.materialIndices[t] === lightIndex) expect(scene.normals[t * 9 + 1]).toBe(-1);
    }
    expect(windingAgreement(scene)).toBe(1);
  });

  it('materialShowcase has diffuse, GGX metal, glass and textured spheres under an emissive panel', () => {
    const scene = materialShowcase();
    expect(scene.materialIndices.length).toBe(6 + 4 * 2208);
    expect(scene.materials.map((m) => m.name)).toEqual([
      'floor',
      'panel',
      'rough diffuse',
      'glossy gold',
      'glass',
      'checker',
    ]);
    expect(scene.materials[3]).toMatchObject({ metallic: 1, roughness: 0.3 });
    expect(scene.materials[4]).toMatchObject({ transmission: 1, ior: 1.5 });
    expect(scene.materials[5]?.baseColorTexture?.texture).toBe(0);
    expect(scene.textures[0]).toMatchObject({ width: 256, height: 256 });
    const packed = packScene(scene);
    expect(packed.info.lightCount).toBe(2);
    expect(packed.info.textureCount).toBe(1);
    expect(windingAgreement(scene)).toBe(1);
  });

  it('denseMeshBox has over 60,000 triangles and packs', () => {
    const scene = denseMeshBox();
    expect(scene.materialIndices.length).toBe(12 + 2 * 640 * 48);
    expect(scene.materialIndices.length).toBeGreaterThanOrEqual(60_000);
    const packed = packScene(scene);
    expect(packed.info.lightCount).toBe(2);
    // Everything stays inside the box.
    expect(packed.info.bounds).toEqual({ min: [-1, 0, -1], max: [1, 2, 1] });
    expect(windingAgreement(scene)).toBeGreaterThan(0.999);
  });

  it('builds the same scene every time', () => {
    for (const { build } of Object.values(DEMO_SCENES)) {
      const a = build();
      const b = build();
      expect(Buffer.from(a.positions.buffer).equals(Buffer.from(b.positions.buffer))).toBe(true);
    }
  });

  it('makes a two-colour checker texture', () => {
    const t = checkerTexture(16, 2);
    expect(Array.from(t.rgba.subarray(0, 4))).toEqual([235, 226, 200, 255]);
    expect(Array.from(t.rgba.subarray(8 * 4, 8 * 4 + 4))).toEqual([40, 44, 52, 255]);
  });
});
