import type { CoordinatorContext } from '../coordinator/context';
import type { SceneSummary } from '../protocol/api-types';
import { InvalidRequestError, NotFoundError } from '../protocol/errors';
import { BUILT_IN_SCENES, type BuiltInSceneId, isSceneHash } from '../protocol/job-spec';
import { DEFAULT_ENVIRONMENT, type Environment } from '../protocol/render-task';
import { DEMO_SCENES } from '../scene/demo-scenes';
import { importGltf, type SceneImportStats } from '../scene/import-gltf';
import { packScene } from '../scene/pack-scene';
import type { PackedSceneInfo } from '../scene/packed-scene';
import type { SceneDescription } from '../scene/scene-description';
import { sceneHash, serializePackedScene } from '../scene/scene-file';

/** Built-in scenes lit by their own emitters see black outside; everything else gets the default sky. */
const BLACK: Environment = { type: 'uniform', radiance: [0, 0, 0] };
const BUILT_IN_ENVIRONMENTS: Record<BuiltInSceneId, Environment> = {
  cornell: BLACK,
  showcase: DEFAULT_ENVIRONMENT,
  dense: BLACK,
};

interface SceneRow {
  hash: string;
  name: string;
  source: 'built-in' | 'upload';
  built_in_id: string | null;
  info: PackedSceneInfo;
  stats: SceneImportStats;
  warnings: string[];
  created_at: number;
  bytes: number;
}

const SUMMARY_COLUMNS =
  'hash, name, source, built_in_id, info, stats, warnings, created_at, octet_length(file) AS bytes';

function toSummary(row: SceneRow): SceneSummary {
  return {
    hash: row.hash,
    name: row.name,
    source: row.source,
    builtInId: row.built_in_id,
    bytes: row.bytes,
    info: row.info,
    stats: row.stats,
    warnings: row.warnings,
    defaultEnvironment:
      row.built_in_id && row.built_in_id in BUILT_IN_ENVIRONMENTS
        ? BUILT_IN_ENVIRONMENTS[row.built_in_id as BuiltInSceneId]
        : DEFAULT_ENVIRONMENT,
    createdAt: row.created_at,
  };
}

function statsOf(scene: SceneDescription): SceneImportStats {
  return {
    triangles: scene.materialIndices.length,
    materials: scene.materials.length,
    textures: scene.textures.length,
    lights: scene.punctualLights.length,
    meshes: 1,
  };
}

interface PackedFile {
  hash: string;
  file: Uint8Array;
  info: PackedSceneInfo;
}

async function packFile(scene: SceneDescription): Promise<PackedFile> {
  const packed = packScene(scene);
  const file = serializePackedScene(packed);
  return { hash: await sceneHash(file), file, info: packed.info };
}

interface SceneMeta {
  name: string;
  source: 'built-in' | 'upload';
  builtInId: string | null;
  stats: SceneImportStats;
  warnings: string[];
}

async function storeScene(
  ctx: CoordinatorContext,
  packed: PackedFile,
  meta: SceneMeta,
): Promise<SceneSummary> {
  // Content-addressed: storing the same scene twice keeps the first row.
  await ctx.db.query(
    `INSERT INTO scenes (hash, name, source, built_in_id, file, info, stats, warnings, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (hash) DO NOTHING`,
    [
      packed.hash,
      meta.name,
      meta.source,
      meta.builtInId,
      packed.file,
      JSON.stringify(packed.info),
      JSON.stringify(meta.stats),
      JSON.stringify(meta.warnings),
      ctx.now(),
    ],
  );
  return getSceneSummary(ctx, packed.hash);
}

/**
 * Built-in scenes are generated in code, so their packed bytes follow the code: each process packs them
 * once (cached here, a pure function of the code) and stores them under their hash, so an upgrade that
 * changes a demo scene or the packed format gets a new hash instead of serving stale bytes.
 */
const globalScenes = globalThis as typeof globalThis & {
  __lumengridBuiltIns?: Map<BuiltInSceneId, Promise<PackedFile & { meta: SceneMeta }>>;
};

function packedBuiltIn(id: BuiltInSceneId) {
  globalScenes.__lumengridBuiltIns ??= new Map();
  const cache = globalScenes.__lumengridBuiltIns;
  let packed = cache.get(id);
  if (!packed) {
    const demo = DEMO_SCENES[id];
    if (!demo) throw new Error(`built-in scene ${id} has no builder`);
    packed = (async () => {
      const scene = demo.build();
      const meta: SceneMeta = {
        name: demo.title,
        source: 'built-in',
        builtInId: id,
        stats: statsOf(scene),
        warnings: [],
      };
      return { ...(await packFile(scene)), meta };
    })();
    packed.catch(() => cache.delete(id));
    cache.set(id, packed);
  }
  return packed;
}

async function builtInScene(ctx: CoordinatorContext, id: BuiltInSceneId): Promise<SceneSummary> {
  const packed = await packedBuiltIn(id);
  const [row] = await ctx.db.query<SceneRow>(`SELECT ${SUMMARY_COLUMNS} FROM scenes WHERE hash = $1`, [
    packed.hash,
  ]);
  return row ? toSummary(row) : storeScene(ctx, packed, packed.meta);
}

/** Resolves a job's scene reference (a built-in id or an uploaded scene's hash). */
export async function resolveScene(ctx: CoordinatorContext, ref: string): Promise<SceneSummary> {
  if ((BUILT_IN_SCENES as readonly string[]).includes(ref)) return builtInScene(ctx, ref as BuiltInSceneId);
  if (isSceneHash(ref)) return getSceneSummary(ctx, ref);
  throw new InvalidRequestError(`There is no built-in scene called "${ref}"`, {
    metaMessages: [`Use one of ${BUILT_IN_SCENES.join(', ')}, or upload a glTF scene and use its hash.`],
  });
}

export async function getSceneSummary(ctx: CoordinatorContext, hash: string): Promise<SceneSummary> {
  const [row] = await ctx.db.query<SceneRow>(`SELECT ${SUMMARY_COLUMNS} FROM scenes WHERE hash = $1`, [hash]);
  if (!row) {
    throw new NotFoundError(`No scene with hash ${hash}`, {
      metaMessages: ['Upload the scene first (POST /api/scenes), or use a built-in scene.'],
    });
  }
  return toSummary(row);
}

/** The packed scene file, exactly the bytes whose SHA-256 is `hash`. */
export async function readSceneFile(ctx: CoordinatorContext, hash: string): Promise<Uint8Array<ArrayBuffer>> {
  const [row] = await ctx.db.query<{ file: Uint8Array }>('SELECT file FROM scenes WHERE hash = $1', [hash]);
  if (!row) throw new NotFoundError(`No scene with hash ${hash}`);
  return new Uint8Array(row.file);
}

/** The built-in scenes (built on first call) and the most recent uploads. */
export async function listScenes(ctx: CoordinatorContext, limit = 50): Promise<SceneSummary[]> {
  const builtIns = [];
  for (const id of BUILT_IN_SCENES) builtIns.push(await builtInScene(ctx, id));
  const uploads = await ctx.db.query<SceneRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM scenes WHERE source = 'upload' ORDER BY created_at DESC LIMIT $1`,
    [limit],
  );
  return [...builtIns, ...uploads.map(toSummary)];
}

/**
 * Imports an uploaded glTF (a .glb, or a .gltf with its buffers and images), packs it with its BVH and
 * stores it under its content hash. Throws SceneImportError (422) naming what is wrong with the file.
 */
export async function uploadScene(
  ctx: CoordinatorContext,
  files: Map<string, Uint8Array>,
  name: string,
): Promise<SceneSummary> {
  if (files.size === 0) {
    throw new InvalidRequestError('The upload holds no files', {
      metaMessages: [
        'Send a .glb file, or a .gltf file with its .bin and image files, as multipart field "files".',
      ],
    });
  }
  const imported = await importGltf({ files });
  return storeScene(ctx, await packFile(imported.scene), {
    name,
    source: 'upload',
    builtInId: null,
    stats: imported.stats,
    warnings: imported.warnings,
  });
}
