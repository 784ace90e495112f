import type { CoordinatorContext } from '../coordinator/context';
import { log } from '../coordinator/log';
import type { SceneSummary } from '../protocol/api-types';
import { InvalidRequestError, NotFoundError, RateLimitedError } from '../protocol/errors';
import { BUILT_IN_SCENES, type BuiltInSceneId, isSceneHash } from '../protocol/job-spec';
import { SCENE_LIMITS } from '../protocol/limits';
import { DEFAULT_ENVIRONMENT, type Environment } from '../protocol/render-task';
import { DEMO_SCENES } from '../scene/demo-scenes';
import type { SceneImportStats } from '../scene/import-gltf';
import type { PackedSceneInfo } from '../scene/packed-scene';
import { gunzipScene, type PreparedScene, prepareScene } from '../scene/prepare-scene';
import type { SceneDescription } from '../scene/scene-description';
import { type SceneImportPool, sceneImportPool } from '../scene/scene-import-pool';
import { sweepEnvironmentMaps } from './environment-store';

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

// `bytes` is the packed file as contributors receive it (decompressed), not what the database holds.
const SUMMARY_COLUMNS =
  'hash, name, source, built_in_id, info, stats, warnings, created_at, packed_bytes::float8 AS bytes';

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

interface SceneMeta {
  name: string;
  source: 'built-in' | 'upload';
  builtInId: string | null;
  stats: SceneImportStats;
  warnings: string[];
  /** Who stored it (rate-limit originKey); null for built-ins. */
  origin: string | null;
}

async function storeScene(
  ctx: CoordinatorContext,
  packed: PreparedScene,
  meta: SceneMeta,
): Promise<SceneSummary> {
  // Content-addressed: storing the same scene twice keeps the first row, and uploading it again restarts
  // its grace period (lib/work/scene-store.ts sweepScenes).
  const now = ctx.now();
  await ctx.db.query(
    `INSERT INTO scenes (hash, name, source, built_in_id, file, encoding, packed_bytes, info, stats, warnings,
                         created_at, origin, uploaded_at)
     VALUES ($1, $2, $3, $4, $5, 'gzip', $6, $7, $8, $9, $10, $11, $10)
     ON CONFLICT (hash) DO UPDATE SET uploaded_at = GREATEST(scenes.uploaded_at, excluded.uploaded_at)`,
    [
      packed.hash,
      meta.name,
      meta.source,
      meta.builtInId,
      packed.gzip,
      packed.packedBytes,
      JSON.stringify(packed.info),
      JSON.stringify(meta.stats),
      JSON.stringify(meta.warnings),
      now,
      meta.origin,
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
  __lumengridBuiltIns?: Map<BuiltInSceneId, Promise<PreparedScene & { meta: SceneMeta }>>;
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
        origin: null,
      };
      // Built from code, not from an upload: packed here, with no limit but the code's own.
      return { ...(await prepareScene(scene, Number.MAX_SAFE_INTEGER)), meta };
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

/** A scene file as stored: `bytes` are the packed file compressed as `encoding` says. */
export interface StoredSceneFile {
  bytes: Uint8Array<ArrayBuffer>;
  encoding: 'identity' | 'gzip';
  /** Size of the packed file once decompressed. */
  packedBytes: number;
}

export async function readStoredSceneFile(ctx: CoordinatorContext, hash: string): Promise<StoredSceneFile> {
  const [row] = await ctx.db.query<{ file: Uint8Array; encoding: 'identity' | 'gzip'; packed_bytes: number }>(
    'SELECT file, encoding, packed_bytes::float8 AS packed_bytes FROM scenes WHERE hash = $1',
    [hash],
  );
  if (!row) throw new NotFoundError(`No scene with hash ${hash}`);
  return { bytes: new Uint8Array(row.file), encoding: row.encoding, packedBytes: row.packed_bytes };
}

/** The packed scene file, exactly the bytes whose SHA-256 is `hash` (decompressed). */
export async function readSceneFile(ctx: CoordinatorContext, hash: string): Promise<Uint8Array<ArrayBuffer>> {
  return decodeStoredScene(await readStoredSceneFile(ctx, hash));
}

/** A stored file's packed bytes, decompressing no more than its recorded size. */
export function decodeStoredScene(
  stored: StoredSceneFile,
): Promise<Uint8Array<ArrayBuffer>> | Uint8Array<ArrayBuffer> {
  return stored.encoding === 'gzip' ? gunzipScene(stored.bytes, stored.packedBytes) : stored.bytes;
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

export interface UploadOptions {
  /** Who uploads (lib/coordinator/rate-limit.ts originKey), for the storage quota. */
  origin?: string;
  /** The import pool (default: this process's). */
  pool?: SceneImportPool;
}

/**
 * Imports an uploaded glTF (a .glb, or a .gltf with its buffers and images) in an import worker, packs it
 * with its BVH and stores it compressed under its content hash. Throws SceneImportError (422) naming what is
 * wrong with the file, OverloadedError (503) when the import queue is full, RateLimitedError (429) when the
 * origin has used its storage quota.
 */
export async function uploadScene(
  ctx: CoordinatorContext,
  files: Map<string, Uint8Array>,
  name: string,
  options: UploadOptions = {},
): Promise<SceneSummary> {
  if (files.size === 0) {
    throw new InvalidRequestError('The upload holds no files', {
      metaMessages: [
        'Send a .glb file, or a .gltf file with its .bin and image files, as multipart field "files".',
      ],
    });
  }
  const origin = options.origin ?? 'direct';
  // Refused before any work when the quota is already spent, and counted again with the real size.
  await checkStorageQuota(ctx, origin, 0);
  const prepared = await (options.pool ?? sceneImportPool()).run(files);
  await checkStorageQuota(ctx, origin, prepared.gzip.length, prepared.hash);
  return storeScene(ctx, prepared, {
    name,
    source: 'upload',
    builtInId: null,
    stats: prepared.stats,
    warnings: prepared.warnings,
    origin,
  });
}

/**
 * Compressed bytes `origin` stored in the last storage window, plus `adding`, against its quota. A scene
 * already stored (same hash) costs nothing more.
 */
async function checkStorageQuota(
  ctx: CoordinatorContext,
  origin: string,
  adding: number,
  hash?: string,
): Promise<void> {
  const since = ctx.now() - SCENE_LIMITS.storageWindowMs;
  const [row] = await ctx.db.query<{ used: number; oldest: number | null; exists: boolean }>(
    `SELECT COALESCE(SUM(octet_length(file)), 0)::float8 AS used, MIN(uploaded_at)::float8 AS oldest,
            EXISTS (SELECT 1 FROM scenes WHERE hash = $3) AS exists
       FROM scenes WHERE source = 'upload' AND origin = $1 AND uploaded_at > $2`,
    [origin, since, hash ?? ''],
  );
  if (!row || row.exists) return;
  const quota = SCENE_LIMITS.storedBytesPerOrigin;
  if (row.used + adding <= quota && (adding > 0 || row.used < quota)) return;
  const retryAfterSeconds = Math.max(
    60,
    Math.ceil(((row.oldest ?? ctx.now()) + SCENE_LIMITS.storageWindowMs - ctx.now()) / 1000),
  );
  throw new RateLimitedError(
    `Uploads from your network have stored ${(row.used / 2 ** 20).toFixed(0)} MiB in the last day; the limit is ${(quota / 2 ** 20).toFixed(0)} MiB`,
    {
      retryAfterSeconds,
      metaMessages: [
        `Upload again in ${Math.ceil(retryAfterSeconds / 3600)} h, or reuse a scene you already uploaded (its hash).`,
      ],
    },
  );
}

/**
 * Deletes uploaded scenes that no job needs any more: uploaded longer ago than the grace period, and every
 * job that names them (if any) finished longer ago than the retention period. Built-in scenes stay. Returns
 * the hashes deleted. Run by the coordinator's sweep loop (lib/instance/coordinator.ts).
 */
export async function sweepScenes(ctx: CoordinatorContext): Promise<string[]> {
  const now = ctx.now();
  const rows = await ctx.db.query<{ hash: string }>(
    `DELETE FROM scenes s
      WHERE s.source = 'upload' AND s.uploaded_at < $1
        AND NOT EXISTS (
          SELECT 1 FROM jobs j
           WHERE j.spec->>'sceneHash' = s.hash
             AND (j.status <> 'done' OR COALESCE(j.completed_at, j.created_at) >= $2))
      RETURNING s.hash`,
    [now - SCENE_LIMITS.unreferencedGraceMs, now - SCENE_LIMITS.finishedRetentionMs],
  );
  return rows.map((row) => row.hash);
}

/** Sweeps scenes now and every `intervalMs` (unref'd: never keeps the process alive). */
export function startSceneSweepLoop(
  ctx: CoordinatorContext,
  intervalMs: number = SCENE_LIMITS.sweepIntervalMs,
) {
  const sweep = () =>
    Promise.all([sweepScenes(ctx), sweepEnvironmentMaps(ctx)]).then(
      ([scenes, maps]) => {
        if (scenes.length > 0) log.info({ scenes: scenes.length }, 'deleted scenes no job needs');
        if (maps.length > 0) log.info({ maps: maps.length }, 'deleted environment maps no job needs');
      },
      (error) => log.error({ err: error }, 'scene sweep failed'),
    );
  void sweep();
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
