import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ihdr,
  jpegWithSof,
  pngBomb,
  pngChunk,
  pngFromChunks,
  pngWithIccpBomb,
  solidPng,
  texturedGlb,
} from '../testing/hostile-scenes';
import { decodePngBounded, pngHeader, pngInflatedBytes } from './decode-image';
import { importGltf } from './import-gltf';
import { SceneImportError } from './scene-import-error';

const upload = (bytes: Uint8Array) => ({ files: new Map([['scene.glb', bytes]]) });

async function refusal(bytes: Uint8Array): Promise<SceneImportError> {
  const error = await importGltf(upload(bytes)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SceneImportError);
  return error as SceneImportError;
}

describe('bounded image decoding', () => {
  it('refuses a PNG that declares 1x1 pixels and inflates to 4 GiB in milliseconds, without the memory', async () => {
    const glb = texturedGlb(pngBomb(4 * 2 ** 30));
    expect(glb.length).toBeLessThan(5 * 2 ** 20); // the 4 MB upload of the report
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    const error = await refusal(glb);
    expect(performance.now() - started).toBeLessThan(500);
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 2 ** 20);
    expect(error.shortMessage).toMatch(/inflates to more than the 5 bytes its declared 1x1 pixels hold/);
    expect(error.metaMessages?.join(' ')).toMatch(/Re-save the image/);
  });

  it('never inflates chunks it does not use (a colour-profile bomb decodes as its one pixel)', async () => {
    const imported = await importGltf(upload(texturedGlb(pngWithIccpBomb(2 ** 30))));
    expect(imported.scene.textures[0]).toMatchObject({ width: 1, height: 1 });
  });

  it('refuses over-limit declarations from the header, before any pixel is inflated', async () => {
    const huge = pngFromChunks([ihdr(100_000, 100_000)]); // no IDAT at all: only the header is read
    expect((await refusal(texturedGlb(huge))).shortMessage).toMatch(
      /100000x100000 pixels; the limit is 4096/,
    );
    const jpeg = jpegWithSof(65_535, 65_535);
    expect((await refusal(texturedGlb(jpeg, { mimeType: 'image/jpeg' }))).shortMessage).toMatch(
      /65535x65535 pixels/,
    );
  });

  it('refuses damaged PNGs with a message naming the damage', async () => {
    const good = solidPng(8, 8, [10, 20, 30, 255]);
    const badCrc = good.slice();
    badCrc[good.length - 20] = (badCrc[good.length - 20] as number) ^ 0xff; // inside IDAT
    expect((await refusal(texturedGlb(badCrc))).shortMessage).toMatch(/CRC of its IDAT chunk is wrong/);
    expect((await refusal(texturedGlb(good.subarray(0, good.length - 20)))).shortMessage).toMatch(
      /truncated/,
    );
    const short = pngFromChunks([ihdr(64, 64), pngChunk('IDAT', deflateSync(new Uint8Array(100)))]);
    expect((await refusal(texturedGlb(short))).shortMessage).toMatch(/need 16448/);
    const badIhdr = pngFromChunks([ihdr(8, 8, 3, 6)]); // 3-bit RGBA does not exist
    expect((await refusal(texturedGlb(badIhdr))).shortMessage).toMatch(/header is damaged/);
  });

  it('counts the inflated size of interlaced and sub-byte images exactly', () => {
    const h = (width: number, height: number, depth: number, colorType: number, interlace: number) =>
      pngInflatedBytes({ width, height, depth, colorType, interlace });
    expect(h(1, 1, 8, 6, 0)).toBe(5);
    expect(h(3, 2, 1, 0, 0)).toBe(4);
    expect(h(8, 8, 8, 2, 1)).toBe(8 * 8 * 3 + 15); // Adam7 on 8x8: rows 1+1+1+2+2+4+4
    const decoded = decodePngBounded(solidPng(5, 3, [1, 2, 3, 4]));
    expect([decoded.width, decoded.height, decoded.data.length]).toEqual([5, 3, 60]);
    expect(pngHeader(solidPng(5, 3, [1, 2, 3, 4]))).toMatchObject({ width: 5, height: 3, depth: 8 });
  });
});
