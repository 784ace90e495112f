import { describe, expect, it } from 'vitest';
import { formatBytes } from '../client/format';
import {
  checkSceneFiles,
  isHiddenFile,
  MAX_SCENE_UPLOAD_BYTES,
  separateEnvironmentMaps,
} from './scene-files';

describe('checkSceneFiles', () => {
  it('accepts one .glb and names the scene after it', () => {
    expect(checkSceneFiles([{ name: 'Box.glb', size: 1664 }])).toEqual({
      ok: true,
      name: 'Box',
      totalBytes: 1664,
    });
  });

  it('accepts a .gltf with its buffers and images, in any order, from a folder', () => {
    const files = [
      { name: 'textures/CesiumLogoFlat.png', size: 10_000 },
      { name: 'BoxTextured.GLTF', size: 4_000 },
      { name: 'BoxTextured0.bin', size: 840 },
    ];
    expect(checkSceneFiles(files)).toMatchObject({ ok: true, name: 'BoxTextured', totalBytes: 14_840 });
  });

  it('says when no file is a scene file', () => {
    const check = checkSceneFiles([
      { name: 'BoxTextured0.bin', size: 840 },
      { name: 'CesiumLogoFlat.png', size: 10 },
    ]);
    expect(check).toMatchObject({
      ok: false,
      message: 'There is no .glb or .gltf file among BoxTextured0.bin, CesiumLogoFlat.png.',
    });
  });

  it('refuses more than the server would read, with the sizes', () => {
    const check = checkSceneFiles([
      { name: 'city.glb', size: MAX_SCENE_UPLOAD_BYTES - 10 },
      { name: 'extra.png', size: 2 * 1024 * 1024 },
    ]);
    expect(check).toMatchObject({
      ok: false,
      message: 'The files add up to 66 MiB; the limit is 64 MiB.',
    });
  });

  it('says so when nothing was selected', () => {
    expect(checkSceneFiles([])).toMatchObject({ ok: false, message: 'No files were selected.' });
  });
});

describe('formatBytes and isHiddenFile', () => {
  it('formats sizes in binary units', () => {
    expect([96, 2560, 264_688, 8_112_544].map(formatBytes)).toEqual([
      '96 B',
      '2.5 KiB',
      '258 KiB',
      '7.7 MiB',
    ]);
  });

  it('spots hidden files in folders', () => {
    expect(['.DS_Store', 'a/._x.png', 'x.png'].map(isHiddenFile)).toEqual([true, true, false]);
  });
});

describe('separateEnvironmentMaps', () => {
  it('takes .hdr files out of a scene selection, whatever their case', () => {
    const files = [
      { name: 'room.gltf', size: 10 },
      { name: 'room.bin', size: 10 },
      { name: 'Sky.HDR', size: 100 },
    ];
    const { maps, scene } = separateEnvironmentMaps(files);
    expect(maps.map((f) => f.name)).toEqual(['Sky.HDR']);
    expect(scene.map((f) => f.name)).toEqual(['room.gltf', 'room.bin']);
    expect(checkSceneFiles(scene).ok).toBe(true);
  });
});
