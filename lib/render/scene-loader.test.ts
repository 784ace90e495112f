import { describe, expect, it } from 'vitest';
import type { PackedScene } from '../scene/packed-scene';
import { encodeHdr, type RadianceImage } from '../scene/radiance-hdr';
import { sceneHash } from '../scene/scene-file';
import { SceneLoader, type SceneSink } from './scene-loader';

/** A sink that records what reached it (the GPU side is PathTracer's, tested in path-tracer tests). */
function recordingSink() {
  const scenes = new Map<string, PackedScene>();
  const maps = new Map<string, RadianceImage>();
  const sink: SceneSink = {
    hasScene: (hash) => scenes.has(hash),
    loadScene: (hash, packed) => void scenes.set(hash, packed),
    hasEnvironmentMap: (hash) => maps.has(hash),
    loadEnvironmentMap: (hash, image) => void maps.set(hash, image),
  };
  return { sink, maps };
}

describe('SceneLoader: environment maps', () => {
  const file = encodeHdr({ width: 8, height: 4, rgb: new Float32Array(8 * 4 * 3).fill(0.5) });

  it('downloads a task’s map once, checks its hash and hands the decoded image to the tracer', async () => {
    const hash = await sceneHash(file);
    const { sink, maps } = recordingSink();
    let downloads = 0;
    const loader = new SceneLoader(
      sink,
      () => Promise.reject(new Error('no scenes here')),
      async () => {
        downloads++;
        return file;
      },
    );
    await Promise.all([loader.ensureEnvironmentMap(hash), loader.ensureEnvironmentMap(hash)]);
    await loader.ensureEnvironmentMap(hash);
    expect(downloads).toBe(1);
    expect(maps.get(hash)?.width).toBe(8);
    expect(maps.get(hash)?.rgb[0]).toBe(0.5);
  });

  it('refuses a download that does not match its hash, before decoding it', async () => {
    const { sink, maps } = recordingSink();
    const tampered = file.slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    const loader = new SceneLoader(
      sink,
      () => Promise.reject(new Error('no scenes here')),
      async () => tampered,
    );
    await expect(loader.ensureEnvironmentMap(await sceneHash(file))).rejects.toThrow(
      /does not match its hash/,
    );
    expect(maps.size).toBe(0);
  });
});
