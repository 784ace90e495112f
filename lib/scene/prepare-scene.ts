/**
 * An upload from its files to what the coordinator stores: import (parse, decode), pack (BVH), serialise,
 * check the packed size, hash, compress. The whole of it runs in an import worker
 * (lib/scene/scene-import-pool.ts), never on the request path.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { SCENE_LIMITS } from '../protocol/limits';
import type { SceneImportStats } from '../protocol/scene-info';
import { importGltf, type SceneLimits } from './import-gltf';
import { packScene } from './pack-scene';
import type { PackedSceneInfo } from './packed-scene';
import type { SceneDescription } from './scene-description';
import { sceneHash, serializePackedScene } from './scene-file';
import { SceneImportError } from './scene-import-error';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A packed scene ready to store: `gzip` holds the scene file whose SHA-256 is `hash`. */
export interface PreparedScene {
  hash: string;
  gzip: Uint8Array<ArrayBuffer>;
  /** Bytes of the packed file once decompressed. */
  packedBytes: number;
  info: PackedSceneInfo;
}

export interface PreparedUpload extends PreparedScene {
  stats: SceneImportStats;
  warnings: string[];
}

/** Packs, size-checks, hashes and compresses a scene description. */
export async function prepareScene(
  scene: SceneDescription,
  maxPackedBytes: number = SCENE_LIMITS.maxPackedBytes,
): Promise<PreparedScene> {
  const packed = packScene(scene);
  const file = serializePackedScene(packed);
  if (file.length > maxPackedBytes) {
    throw new SceneImportError(
      `The scene packs to ${(file.length / 2 ** 20).toFixed(1)} MiB, over the ${(maxPackedBytes / 2 ** 20).toFixed(0)} MiB limit on a stored scene.`,
      {
        metaMessages: [
          'Reduce the instances or the mesh (Blender: Decimate modifier), or shrink the textures, then upload again.',
        ],
      },
    );
  }
  const hash = await sceneHash(file);
  const compressed = await gzipAsync(file, { level: 6 });
  return {
    hash,
    gzip: new Uint8Array(
      compressed.buffer,
      compressed.byteOffset,
      compressed.byteLength,
    ) as Uint8Array<ArrayBuffer>,
    packedBytes: file.length,
    info: packed.info,
  };
}

/** Imports and prepares an upload. Throws SceneImportError for anything the user must fix. */
export async function prepareUpload(
  files: Map<string, Uint8Array>,
  limits: Partial<SceneLimits> = {},
): Promise<PreparedUpload> {
  const imported = await importGltf({ files }, limits);
  const prepared = await prepareScene(imported.scene, limits.maxPackedBytes);
  return { ...prepared, stats: imported.stats, warnings: imported.warnings };
}

/** Decompresses a stored scene file, refusing output beyond `maxBytes` (its recorded size). */
export async function gunzipScene(
  bytes: Uint8Array,
  maxBytes: number = SCENE_LIMITS.maxPackedBytes,
): Promise<Uint8Array<ArrayBuffer>> {
  const out = await gunzipAsync(bytes, { maxOutputLength: Math.max(1, maxBytes) });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength) as Uint8Array<ArrayBuffer>;
}
