import { describe, expect, it } from 'vitest';
import { material, SceneBuilder } from '../testing/test-scenes';
import { cornellBox, materialShowcase } from './demo-scenes';
import { packScene } from './pack-scene';
import { BVH_NODE_WORDS, type PackedScene, SECTION_NAMES } from './packed-scene';
import { textureBinding } from './scene-description';
import { parsePackedScene, SceneFileError, sceneHash, serializePackedScene } from './scene-file';

const showcase = packScene(materialShowcase());
const showcaseBytes = serializePackedScene(showcase);

function header(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(8, true);
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + length)));
  return { length, json, dataStart: 16 + length };
}

/** Rewrites the JSON header in place (same padded length) so that only its content changes. */
function withHeader(bytes: Uint8Array, edit: (json: ReturnType<typeof header>['json']) => void): Uint8Array {
  const copy = bytes.slice();
  const { length, json } = header(copy);
  edit(json);
  const text = new TextEncoder().encode(JSON.stringify(json));
  if (text.length > length) throw new Error('edited header no longer fits');
  copy.fill(0x20, 16, 16 + length);
  copy.set(text, 16);
  return copy;
}

/** Exact equality, section by section as bytes (vitest's deep equality is slow on large typed arrays). */
function expectSameScene(actual: PackedScene, expected: PackedScene): void {
  expect(actual.info).toEqual(expected.info);
  for (const name of SECTION_NAMES) {
    expect(sameBytes(actual.sections[name], expected.sections[name]), name).toBe(true);
  }
  expect(actual.images.length).toBe(expected.images.length);
  for (const [i, image] of actual.images.entries()) {
    expect(sameBytes(image, expected.images[i] as Uint8Array)).toBe(true);
  }
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

const rejects = (bytes: Uint8Array, message: RegExp) => {
  expect(() => parsePackedScene(bytes)).toThrow(SceneFileError);
  expect(() => parsePackedScene(bytes)).toThrow(message);
};

describe('scene file', () => {
  it('round-trips exactly, and re-serialises to the same bytes', () => {
    for (const packed of [showcase, packScene(cornellBox())]) {
      const bytes = serializePackedScene(packed);
      const parsed = parsePackedScene(bytes);
      expectSameScene(parsed, packed);
      expect(sameBytes(serializePackedScene(parsed), bytes)).toBe(true);
    }
  });

  it('lays sections out 16-byte aligned, in order, after a LGSC v3 preamble, texels as image files', () => {
    const bytes = showcaseBytes;
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('LGSC');
    const { json, dataStart } = header(bytes);
    expect(dataStart % 16).toBe(0);
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(3);
    expect(json.sections.map((s: { name: string }) => s.name)).toEqual(
      SECTION_NAMES.map((name) => (name === 'texels' ? 'images' : name)),
    );
    for (const s of json.sections as {
      name: keyof PackedScene['sections'] | 'images';
      wordOffset: number;
      wordCount: number;
    }[]) {
      expect((dataStart + s.wordOffset * 4) % 16).toBe(0);
      const words =
        s.name === 'images'
          ? showcase.images.reduce((n, image) => n + Math.ceil(image.length / 4), 0)
          : showcase.sections[s.name].length;
      expect(s.wordCount).toBe(words);
    }
    expect(json.info).toEqual(showcase.info);
  });

  it('parses from an unaligned view into a larger buffer', () => {
    const padded = new Uint8Array(showcaseBytes.length + 3);
    padded.set(showcaseBytes, 3);
    expectSameScene(parsePackedScene(padded.subarray(3)), showcase);
  });

  it('rejects truncated files at any cut', () => {
    const { dataStart } = header(showcaseBytes);
    for (const cut of [
      0,
      3,
      15,
      16,
      40,
      dataStart - 1,
      dataStart,
      dataStart + 100,
      showcaseBytes.length - 1,
    ]) {
      expect(() => parsePackedScene(showcaseBytes.subarray(0, cut)), `cut at ${cut}`).toThrow(SceneFileError);
    }
  });

  it('rejects a wrong magic, version, or trailing bytes', () => {
    const badMagic = showcaseBytes.slice();
    badMagic[0] = 0x58;
    rejects(badMagic, /magic/);
    const badVersion = showcaseBytes.slice();
    badVersion[4] = 1;
    rejects(badVersion, /version 1/);
    const longer = new Uint8Array(showcaseBytes.length + 16);
    longer.set(showcaseBytes);
    rejects(longer, /data bytes/);
    rejects(new TextEncoder().encode('glTF this is not a scene file'), /magic/);
  });

  it('rejects headers whose counts disagree with the sections', () => {
    rejects(
      withHeader(showcaseBytes, (j) => {
        j.info.triangleCount += 1;
      }),
      /section 'triangles'/,
    );
    rejects(
      withHeader(showcaseBytes, (j) => {
        j.info.textureCount = 0;
      }),
      /section 'images'/,
    );
    rejects(
      withHeader(showcaseBytes, (j) => {
        j.sections[2].wordCount += 4;
      }),
      /section 'materials' starts at word/,
    );
    rejects(
      withHeader(showcaseBytes, (j) => {
        j.info.nodeCount = -1;
      }),
      /nodeCount/,
    );
    rejects(
      withHeader(showcaseBytes, (j) => {
        j.info.camera.yfov = 'wide';
      }),
      /camera.yfov/,
    );
    rejects(
      withHeader(showcaseBytes, (j) => {
        [j.sections[0], j.sections[1]] = [j.sections[1], j.sections[0]];
      }),
      /expected 'nodes'/,
    );
  });

  it('rejects section contents that point outside their arrays', () => {
    const { dataStart } = header(showcaseBytes);
    // Root node's leftOrFirst (word 3) pointing back at itself would loop the traversal.
    const cyclic = showcaseBytes.slice();
    new DataView(cyclic.buffer).setUint32(dataStart + 3 * 4, 0, true);
    rejects(cyclic, /BVH node 0/);
    // A triangle naming a material that does not exist.
    const { json } = header(showcaseBytes);
    const triangles = json.sections[1];
    const badMaterial = showcaseBytes.slice();
    new DataView(badMaterial.buffer).setUint32(dataStart + (triangles.wordOffset + 3) * 4, 99, true);
    rejects(badMaterial, /missing material 99/);
    // A leaf that runs past the triangle array.
    const nodes = showcase.sections.nodes;
    let leaf = 0;
    while (nodes[leaf * BVH_NODE_WORDS + 7] === 0) leaf++;
    const badLeaf = showcaseBytes.slice();
    new DataView(badLeaf.buffer).setUint32(dataStart + (leaf * BVH_NODE_WORDS + 3) * 4, 1e9, true);
    rejects(badLeaf, new RegExp(`BVH leaf ${leaf}`));
  });

  it('keeps textures as their PNG files: a textured scene file is a fraction of its texels', () => {
    const b = new SceneBuilder();
    // A 256x256 checker of 32-texel squares compresses well as a PNG; its texels take 256 KiB.
    const rgba = new Uint8Array(256 * 256 * 4);
    for (let i = 0; i < 256 * 256; i++) {
      const on = (((i % 256) >> 5) + (i >> 13)) % 2 === 1;
      rgba.set(on ? [230, 40, 40, 255] : [20, 20, 200, 255], i * 4);
    }
    const texture = b.addTexture({ name: 'gradient', width: 256, height: 256, rgba });
    b.quad(
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      b.addMaterial(material({ baseColorTexture: textureBinding(texture) })),
    );
    const packed = packScene(b.build({ position: [0, 0, 3], target: [0, 0, 0], up: [0, 1, 0], yfov: 1 }));
    const bytes = serializePackedScene(packed);
    expect(bytes.length).toBeLessThan(rgba.length / 4);
    const parsed = parsePackedScene(bytes);
    expectSameScene(parsed, packed);
    expect(sameBytes(new Uint8Array(parsed.sections.texels.buffer), rgba)).toBe(true);
  });

  it('refuses image files whose size disagrees with their record, or records over the limits', () => {
    const b = new SceneBuilder();
    const texture = b.addTexture({ name: 't', width: 2, height: 2, rgba: new Uint8Array(16).fill(200) });
    b.quad(
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      b.addMaterial(material({ baseColorTexture: textureBinding(texture) })),
    );
    const packed = packScene(b.build({ position: [0, 0, 3], target: [0, 0, 0], up: [0, 1, 0], yfov: 1 }));
    const bytes = serializePackedScene(packed);
    const { json, dataStart } = header(bytes);
    const textures = json.sections[SECTION_NAMES.indexOf('textures')];
    const at = (word: number) => dataStart + (textures.wordOffset + word) * 4;
    // A record that claims a 2x1 texture over a 2x2 PNG: the decoder would write past what was allocated.
    const lying = bytes.slice();
    new DataView(lying.buffer).setUint32(at(2), 1, true);
    rejects(lying, /texture 0 does not decode: it is 2x2 pixels, not the 2x1 declared/);
    // A record that claims far more pixels than any contributor should allocate.
    const huge = bytes.slice();
    new DataView(huge.buffer).setUint32(at(1), 60_000, true);
    rejects(huge, /over the 4096 limit/);
    // An image length that runs past the images section.
    const long = bytes.slice();
    new DataView(long.buffer).setUint32(at(3), 1e6, true);
    rejects(long, /runs past the images/);
  });

  it('hashes with SHA-256 (hex)', async () => {
    expect(await sceneHash(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    const again = serializePackedScene(packScene(materialShowcase()));
    expect(await sceneHash(again)).toBe(await sceneHash(showcaseBytes));
    expect(await sceneHash(showcaseBytes)).toMatch(/^[0-9a-f]{64}$/);
  });
});
