import { readFileSync } from 'node:fs';
import type { DecodedPng } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { pngToRgba8 } from './decode-image';
import { importGltf } from './import-gltf';
import { packScene } from './pack-scene';
import { DEFAULT_MATERIAL, type SceneDescription } from './scene-description';
import { SceneImportError } from './scene-import-error';

const FIXTURES = new URL('../../e2e/fixtures/scenes/', import.meta.url);
const read = (path: string) => new Uint8Array(readFileSync(new URL(path, FIXTURES)));
const one = (name: string, bytes = read(name)) => ({ files: new Map([[name, bytes]]) });

/** The parts of BoxTextured.gltf that the tests edit. */
interface GltfJson {
  asset: { version: string };
  scenes: { nodes: number[] }[];
  nodes: {
    matrix?: number[];
    translation?: number[];
    rotation?: number[];
    scale?: number[];
    camera?: number;
    children?: number[];
    extensions?: object;
  }[];
  meshes: { primitives: Record<string, unknown>[] }[];
  materials: {
    emissiveFactor?: number[];
    pbrMetallicRoughness: {
      roughnessFactor?: number;
      baseColorTexture: { index: number; extensions?: object };
    };
    extensions?: object;
  }[];
  images: { uri: string }[];
  accessors: { count: number }[];
  cameras?: object[];
  extensions?: object;
  extensionsUsed?: string[];
  extensionsRequired?: string[];
}

/** BoxTextured as a multi-file upload, optionally with its JSON edited and files left out or added. */
function boxTextured(
  options: {
    edit?: (json: GltfJson) => void;
    omit?: string[];
    extra?: [string, Uint8Array][];
    prefix?: string;
  } = {},
) {
  const json = JSON.parse(new TextDecoder().decode(read('BoxTextured/BoxTextured.gltf'))) as GltfJson;
  options.edit?.(json);
  const prefix = options.prefix ?? '';
  const files = new Map<string, Uint8Array>([
    [`${prefix}BoxTextured.gltf`, new TextEncoder().encode(JSON.stringify(json))],
    [`${prefix}BoxTextured0.bin`, read('BoxTextured/BoxTextured0.bin')],
    [`${prefix}CesiumLogoFlat.png`, read('BoxTextured/CesiumLogoFlat.png')],
  ]);
  for (const name of options.omit ?? []) files.delete(`${prefix}${name}`);
  for (const [name, bytes] of options.extra ?? []) files.set(name, bytes);
  return { files };
}

/** Rounds to 1e-6 and turns -0 into 0, for comparing transformed vectors. */
const round6 = (v: readonly number[] | undefined) => (v ?? []).map((x) => Math.round(x * 1e6) / 1e6 + 0);

/** Array element that must exist (noUncheckedIndexedAccess without non-null assertions). */
function at<T>(array: T[], index: number): T {
  const value = array[index];
  if (value === undefined) throw new Error(`fixture has no element ${index}`);
  return value;
}

async function importError(promise: Promise<unknown>): Promise<SceneImportError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SceneImportError);
    const e = error as SceneImportError;
    expect(e.name).toBe('SceneImportError');
    expect(e.status).toBe(422);
    return e;
  }
  throw new Error('expected a SceneImportError');
}

function bounds(scene: SceneDescription) {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  scene.positions.forEach((v, i) => {
    min[i % 3] = Math.min(min[i % 3] as number, v);
    max[i % 3] = Math.max(max[i % 3] as number, v);
  });
  return { min, max };
}

/**
 * For a closed convex mesh around `center`: every triangle's winding normal (edge1 x edge2) and all three
 * shading normals point outwards. Catches missing normal transforms and unflipped mirrored windings.
 */
function expectOutwardFacing(scene: SceneDescription, center: number[]) {
  const p = scene.positions;
  const n = scene.normals;
  let bad = 0;
  for (let t = 0; t < scene.materialIndices.length; t++) {
    const v = (k: number) => p[t * 9 + k] as number;
    const e1 = [v(3) - v(0), v(4) - v(1), v(5) - v(2)] as const;
    const e2 = [v(6) - v(0), v(7) - v(1), v(8) - v(2)] as const;
    const g = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
    const out = [0, 1, 2].map((a) => (v(a) + v(3 + a) + v(6 + a)) / 3 - (center[a] as number));
    const dot = (a: number[], b: ArrayLike<number>) =>
      (a[0] as number) * (b[0] as number) +
      (a[1] as number) * (b[1] as number) +
      (a[2] as number) * (b[2] as number);
    if (dot(out, g) <= 0) bad++;
    for (let k = 0; k < 3; k++) {
      const normal = n.subarray(t * 9 + k * 3, t * 9 + k * 3 + 3);
      if (dot(out, normal) <= 0 || Math.abs(Math.hypot(...normal) - 1) > 1e-5) bad++;
    }
  }
  expect(bad).toBe(0);
}

describe('importGltf: real files', () => {
  it('imports Box.glb: 12 triangles, its material, bounds of a unit cube, an automatic camera', async () => {
    const { scene, stats, warnings } = await importGltf(one('Box.glb'));
    expect(stats).toEqual({
      triangles: 12,
      materials: 1,
      textures: 0,
      lights: 0,
      meshes: 1,
      animationSeconds: 0,
    });
    expect(scene.materials[0]).toMatchObject({
      baseColorTexture: null,
      metallic: 0,
      transmission: 0,
      ior: 1.5,
    });
    const b = bounds(scene);
    expect(b.min.map((x) => +x.toFixed(5))).toEqual([-0.5, -0.5, -0.5]);
    expect(b.max.map((x) => +x.toFixed(5))).toEqual([0.5, 0.5, 0.5]);
    expectOutwardFacing(scene, [0, 0, 0]);
    // Automatic framing: looks at the centre from +z, slightly above, with a 40 degree field of view.
    expect(scene.camera.target).toEqual([0, 0, 0]);
    expect(scene.camera.position[2]).toBeGreaterThan(2);
    expect(scene.camera.position[1]).toBeGreaterThan(0);
    expect(scene.camera.yfov).toBeCloseTo((40 * Math.PI) / 180, 10);
    expect(warnings.some((w) => w.includes('no lights'))).toBe(true);
    expect(() => packScene(scene)).not.toThrow();
  });

  it('imports TwoCubes.glb with both node translations applied', async () => {
    const { scene, stats } = await importGltf(one('TwoCubes.glb'));
    expect(stats).toMatchObject({ triangles: 24, materials: 2, meshes: 2 });
    const b = bounds(scene);
    expect(b.min[0]).toBeCloseTo(-3, 5);
    expect(b.max[0]).toBeCloseTo(3, 5);
    expect(b.max[1]).toBeCloseTo(1, 5);
  });

  it('imports ShapeCollection.glb: 2,390 unique triangles, 3,542 drawn (the torus is used twice)', async () => {
    const { scene, stats } = await importGltf(one('ShapeCollection.glb'));
    expect(stats).toMatchObject({ triangles: 3542, meshes: 6, materials: 1 });
    // No materials in the file: everything uses the default one.
    expect(scene.materials).toEqual([DEFAULT_MATERIAL]);
    const b = bounds(scene);
    expect(b.min[0]).toBeCloseTo(-7.25, 4);
    expect(b.max[0]).toBeCloseTo(7.25, 4);
    const normalsAreUnit = Array.from({ length: scene.normals.length / 3 }, (_, i) =>
      Math.hypot(
        scene.normals[3 * i] as number,
        scene.normals[3 * i + 1] as number,
        scene.normals[3 * i + 2] as number,
      ),
    ).every((l) => Math.abs(l - 1) < 1e-5);
    expect(normalsAreUnit).toBe(true);
  });

  it('imports BoxTextured as a multi-file upload with its PNG decoded', async () => {
    const { scene, stats } = await importGltf(boxTextured());
    expect(stats).toMatchObject({ triangles: 12, textures: 1 });
    const [texture] = scene.textures;
    expect(texture).toMatchObject({ name: 'CesiumLogoFlat.png', width: 256, height: 256 });
    const rgba = texture?.rgba ?? new Uint8Array();
    expect(rgba.length).toBe(256 * 256 * 4);
    const colours = new Set<number>();
    for (let i = 0; i < rgba.length; i += 4)
      colours.add(((rgba[i] as number) << 16) | ((rgba[i + 1] as number) << 8) | (rgba[i + 2] as number));
    expect(colours.size).toBeGreaterThan(10);
    expect(scene.materials[0]?.baseColorTexture?.texture).toBe(0);
    expect(Math.max(...scene.uvs)).toBeGreaterThan(0.5);
    expectOutwardFacing(scene, [0, 0, 0]);
  });

  it('finds resources under a folder prefix and by base name when folders were flattened', async () => {
    const inFolder = await importGltf(boxTextured({ prefix: 'upload/BoxTextured/' }));
    expect(inFolder.stats.textures).toBe(1);
    const flattened = await importGltf(
      boxTextured({
        edit: (json) => {
          at(json.images, 0).uri = 'textures/CesiumLogoFlat.png';
        },
      }),
    );
    expect(flattened.stats.textures).toBe(1);
  });

  it('recognises a .glb by its content when the file name was lost', async () => {
    const { stats } = await importGltf({ files: new Map([['blob', read('Box.glb')]]) });
    expect(stats.triangles).toBe(12);
  });

  it('rejects DenseSphere.glb (Draco-compressed) with a way out', async () => {
    const e = await importError(importGltf(one('DenseSphere.glb')));
    expect(e.shortMessage).toBe(
      'The file uses KHR_draco_mesh_compression, which Lumengrid does not support yet.',
    );
    expect(e.metaMessages[0]).toMatch(
      /^Re-export without Draco compression \(Blender: uncheck Compression\)/,
    );
  });
});

describe('importGltf: glTF features', () => {
  it('flips the winding under a mirroring transform and transforms normals by the inverse transpose', async () => {
    const { scene } = await importGltf(
      boxTextured({
        edit: (json) => {
          delete at(json.nodes, 0).matrix;
          at(json.nodes, 0).scale = [-1, 3, 0.5];
          at(json.nodes, 0).translation = [10, 0, 0];
        },
      }),
    );
    const b = bounds(scene);
    expect(b.min.map((x) => +x.toFixed(5))).toEqual([9.5, -1.5, -0.25]);
    expectOutwardFacing(scene, [10, 0, 0]);
  });

  it('uses the first perspective camera node', async () => {
    const s = Math.SQRT1_2;
    const { scene } = await importGltf(
      boxTextured({
        edit: (json) => {
          json.cameras = [{ type: 'perspective', perspective: { yfov: 0.7, znear: 0.1 } }];
          json.nodes.push({ camera: 0, translation: [0, 1, 5], rotation: [0, s, 0, s] }); // 90 deg about +y
          at(json.scenes, 0).nodes.push(json.nodes.length - 1);
        },
      }),
    );
    expect(scene.camera.position).toEqual([0, 1, 5]);
    // Local -z turned 90 degrees about +y looks down -x.
    expect(round6(scene.camera.target)).toEqual([-1, 1, 5]);
    expect(round6(scene.camera.up)).toEqual([0, 1, 0]);
    expect(scene.camera.yfov).toBe(0.7);
  });

  it('reads KHR_lights_punctual lights with their world transform', async () => {
    const s = Math.SQRT1_2;
    const { scene, stats, warnings } = await importGltf(
      boxTextured({
        edit: (json) => {
          json.extensionsUsed = ['KHR_lights_punctual'];
          json.extensions = {
            KHR_lights_punctual: {
              lights: [
                {
                  type: 'spot',
                  color: [1, 0.5, 0.25],
                  intensity: 4,
                  spot: { innerConeAngle: 0.2, outerConeAngle: 0.5 },
                },
                { type: 'point', intensity: 2, range: 5 },
              ],
            },
          };
          // Spot 3 m up, turned -90 degrees about +x so that it shines down; point light as a child.
          json.nodes.push({
            translation: [0, 3, 0],
            rotation: [-s, 0, 0, s],
            extensions: { KHR_lights_punctual: { light: 0 } },
            children: [json.nodes.length + 1],
          });
          json.nodes.push({ translation: [0, 0, 1], extensions: { KHR_lights_punctual: { light: 1 } } });
          at(json.scenes, 0).nodes.push(json.nodes.length - 2);
        },
      }),
    );
    expect(stats.lights).toBe(2);
    expect(warnings.some((w) => w.includes('no lights'))).toBe(false);
    const [spot, point] = scene.punctualLights;
    expect(spot?.type).toBe('spot');
    expect(spot?.position).toEqual([0, 3, 0]);
    expect(round6(spot?.direction)).toEqual([0, -1, 0]);
    expect(spot?.intensity).toEqual([4, 2, 1]);
    expect(spot?.innerConeCos).toBeCloseTo(Math.cos(0.2), 6);
    expect(spot?.outerConeCos).toBeCloseTo(Math.cos(0.5), 6);
    // The child's local +z becomes world +y under its parent's rotation: 3 + 1 m up.
    expect(round6(point?.position)).toEqual([0, 4, 0]);
    expect(point?.intensity).toEqual([2, 2, 2]);
    // range: the point light's is kept, the spot without one is infinite.
    expect(point?.range).toBe(5);
    expect(spot?.range).toBeUndefined();
  });

  it('reads emissive strength, transmission, IOR and texture transforms', async () => {
    const { scene, warnings } = await importGltf(
      boxTextured({
        edit: (json) => {
          json.extensionsUsed = [
            'KHR_materials_emissive_strength',
            'KHR_materials_transmission',
            'KHR_materials_ior',
            'KHR_texture_transform',
          ];
          json.extensionsRequired = ['KHR_texture_transform'];
          const material = at(json.materials, 0);
          material.emissiveFactor = [1, 0.5, 0];
          material.pbrMetallicRoughness.roughnessFactor = 0.25;
          material.pbrMetallicRoughness.baseColorTexture.extensions = {
            KHR_texture_transform: { scale: [2, 2] },
          };
          material.extensions = {
            KHR_materials_emissive_strength: { emissiveStrength: 5 },
            KHR_materials_transmission: { transmissionFactor: 0.75 },
            KHR_materials_ior: { ior: 1.33 },
          };
        },
      }),
    );
    expect(scene.materials[0]).toMatchObject({
      emissive: [5, 2.5, 0],
      transmission: 0.75,
      ior: 1.33,
      roughness: 0.25,
      metallic: 0,
      baseColorTexture: { texture: 0, texCoord: 0, transform: [2, 0, 0, -0, 2, 0] },
    });
    expect(warnings.join(' ')).not.toMatch(/KHR_texture_transform/);
    const packed = packScene(scene);
    expect(packed.info.lightCount).toBe(12);
  });

  it('skips non-triangle primitives with a warning', async () => {
    const { stats, warnings } = await importGltf(
      boxTextured({
        edit: (json) => {
          at(json.meshes, 0).primitives.push({ ...at(at(json.meshes, 0).primitives, 0), mode: 1 });
        },
      }),
    );
    expect(stats.triangles).toBe(12);
    expect(warnings.some((w) => w.includes('LINES'))).toBe(true);
  });

  it('decodes JPEG textures', async () => {
    const width = 48;
    const height = 32;
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++)
      rgba.set([(i % width) * 5, Math.floor(i / width) * 7, 128, 255], i * 4);
    const encoded = jpeg.encode({ width, height, data: rgba }, 90).data;
    const { scene } = await importGltf(
      boxTextured({
        edit: (json) => {
          at(json.images, 0).uri = 'logo.jpg';
        },
        omit: ['CesiumLogoFlat.png'],
        extra: [['logo.jpg', new Uint8Array(encoded)]],
      }),
    );
    const texture = scene.textures[0];
    expect(texture).toMatchObject({ width, height });
    // Lossy, but close: the blue channel was a constant 128.
    expect(Math.abs((texture?.rgba[2] as number) - 128)).toBeLessThan(6);
    expect(texture?.rgba[3]).toBe(255);
  });
});

describe('importGltf: errors say what to do', () => {
  it('names a missing .bin file', async () => {
    const e = await importError(importGltf(boxTextured({ omit: ['BoxTextured0.bin'] })));
    expect(e.shortMessage).toBe('BoxTextured.gltf needs BoxTextured0.bin, which was not uploaded.');
    expect(e.metaMessages.join(' ')).toMatch(/together with its .bin and image files/);
  });

  it('names a missing image file', async () => {
    const e = await importError(importGltf(boxTextured({ omit: ['CesiumLogoFlat.png'] })));
    expect(e.shortMessage).toContain('CesiumLogoFlat.png');
  });

  it('names a texture over the size limit, with the limit', async () => {
    const e = await importError(importGltf(boxTextured(), { maxTextureDimension: 128 }));
    expect(e.shortMessage).toBe(
      'Texture "CesiumLogoFlat.png" is 256x256 pixels; the limit is 128 on a side.',
    );
    expect(e.metaMessages[0]).toMatch(/128x128/);
  });

  it('enforces the texture count and total pixel limits', async () => {
    const count = await importError(importGltf(boxTextured(), { maxTextures: 0 }));
    expect(count.shortMessage).toMatch(/more than 0 textures/);
    const pixels = await importError(
      importGltf(boxTextured(), { maxTexturePixelsTotal: (1024 * 1024) / 32 }),
    );
    expect(pixels.shortMessage).toMatch(/textures hold more than/);
  });

  it('enforces the triangle and upload size limits', async () => {
    const triangles = await importError(importGltf(one('ShapeCollection.glb'), { maxTriangles: 1000 }));
    expect(triangles.shortMessage).toBe('The scene has 3,542 triangles, more than the 1,000 limit.');
    const size = await importError(importGltf(one('ShapeCollection.glb'), { maxFileBytes: 100_000 }));
    expect(size.shortMessage).toMatch(/^The upload is 0\.2 MiB, more than the 0\.1 MiB limit\.$/);
  });

  it('says which formats are accepted when the upload is not glTF', async () => {
    const e = await importError(importGltf(one('model.obj', new TextEncoder().encode('v 0 0 0\nf 1 1 1\n'))));
    expect(e.shortMessage).toBe('model.obj is not a glTF scene.');
    expect(e.metaMessages[0]).toMatch(
      /one binary .glb file, or one .gltf file together with its .bin and image files/,
    );
    const none = await importError(importGltf({ files: new Map() }));
    expect(none.shortMessage).toBe('No file was uploaded.');
  });

  it('rejects two scenes in one upload', async () => {
    const e = await importError(
      importGltf({
        files: new Map([
          ['Box.glb', read('Box.glb')],
          ['TwoCubes.glb', read('TwoCubes.glb')],
        ]),
      }),
    );
    expect(e.shortMessage).toMatch(/2 scene files \(Box.glb, TwoCubes.glb\)/);
  });

  it('names any required extension outside the supported set', async () => {
    const e = await importError(
      importGltf(
        boxTextured({
          edit: (json) => {
            json.extensionsUsed = ['KHR_materials_pbrSpecularGlossiness'];
            json.extensionsRequired = ['KHR_materials_pbrSpecularGlossiness'];
          },
        }),
      ),
    );
    expect(e.shortMessage).toBe(
      'The file uses KHR_materials_pbrSpecularGlossiness, which Lumengrid does not support yet.',
    );
    expect(e.metaMessages[0]).toMatch(/without KHR_materials_pbrSpecularGlossiness/);
  });

  it('rejects truncated, damaged, and glTF 1.0 files', async () => {
    const glb = read('Box.glb');
    expect((await importError(importGltf(one('Box.glb', glb.subarray(0, 1000))))).shortMessage).toMatch(
      /truncated/,
    );
    const v1 = glb.slice();
    v1[4] = 1;
    expect((await importError(importGltf(one('Box.glb', v1)))).shortMessage).toMatch(
      /glTF 1; Lumengrid reads glTF 2.0 only/,
    );
    const oldJson = await importError(
      importGltf(
        boxTextured({
          edit: (json) => {
            json.asset.version = '1.0';
          },
        }),
      ),
    );
    expect(oldJson.shortMessage).toMatch(/is glTF 1.0/);
    const garbage = await importError(importGltf(one('scene.gltf', new TextEncoder().encode('{ nope'))));
    expect(garbage.shortMessage).toMatch(/^scene.gltf is not valid glTF JSON/);
    const broken = await importError(
      importGltf(
        boxTextured({
          edit: (json) => {
            at(json.accessors, 2).count = 1_000_000;
          },
        }),
      ),
    );
    expect(broken.shortMessage).toBe(
      'BoxTextured.gltf is damaged: accessor 2 reads past the end of buffer view 1.',
    );
    const shortBin = await importError(
      importGltf(
        boxTextured({ extra: [['BoxTextured0.bin', read('BoxTextured/BoxTextured0.bin').subarray(0, 500)]] }),
      ),
    );
    expect(shortBin.shortMessage).toMatch(/buffer 0 holds 500 bytes but declares 840/);
  });
});

describe('pngToRgba8', () => {
  const png = (
    p: Partial<DecodedPng> & Pick<DecodedPng, 'width' | 'height' | 'data' | 'depth' | 'channels'>,
  ) => ({ text: {}, ...p }) as DecodedPng;

  it('expands grey, grey+alpha and sub-byte grey', () => {
    expect(
      Array.from(
        pngToRgba8(png({ width: 2, height: 1, depth: 8, channels: 1, data: new Uint8Array([0, 200]) })),
      ),
    ).toEqual([0, 0, 0, 255, 200, 200, 200, 255]);
    expect(
      Array.from(
        pngToRgba8(png({ width: 1, height: 1, depth: 8, channels: 2, data: new Uint8Array([9, 99]) })),
      ),
    ).toEqual([9, 9, 9, 99]);
    // 1-bit rows are padded to whole bytes: two rows of 3 pixels in two bytes.
    const bits = pngToRgba8(
      png({ width: 3, height: 2, depth: 1, channels: 1, data: new Uint8Array([0b10100000, 0b01000000]) }),
    );
    expect(Array.from(bits).filter((_, i) => i % 4 === 0)).toEqual([255, 0, 255, 0, 255, 0]);
  });

  it('rounds 16-bit samples and applies a tRNS colour key', () => {
    const rgb16 = png({
      width: 2,
      height: 1,
      depth: 16,
      channels: 3,
      data: new Uint16Array([65535, 0, 32896, 1, 2, 3]),
      transparency: new Uint16Array([1, 2, 3]),
    });
    expect(Array.from(pngToRgba8(rgb16))).toEqual([255, 0, 128, 255, 0, 0, 0, 0]);
  });

  it('looks up palettes, with and without alpha', () => {
    const indexed = png({
      width: 3,
      height: 1,
      depth: 2,
      channels: 1,
      data: new Uint8Array([0b00011000]),
      palette: [
        [10, 20, 30, 40],
        [50, 60, 70, 80],
        [90, 100, 110, 120],
      ],
    });
    expect(Array.from(pngToRgba8(indexed))).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
    const opaque = png({
      width: 1,
      height: 1,
      depth: 8,
      channels: 1,
      data: new Uint8Array([0]),
      palette: [[1, 2, 3]],
    });
    expect(Array.from(pngToRgba8(opaque))).toEqual([1, 2, 3, 255]);
  });
});
