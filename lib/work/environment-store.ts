import type { CoordinatorContext } from '../coordinator/context';
import {
  BUILT_IN_ENVIRONMENT_MAPS,
  type BuiltInEnvironmentMapId,
  type EnvironmentMapSummary,
  isBuiltInEnvironmentMap,
} from '../protocol/environment-maps';
import {
  InvalidEnvironmentMapError,
  InvalidRequestError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
} from '../protocol/errors';
import { SCENE_LIMITS } from '../protocol/limits';
import type { Environment } from '../protocol/render-task';
import { BUILT_IN_ENVIRONMENT_TITLES, builtInEnvironmentFile } from '../scene/built-in-environments';
import { checkHdr, ENVIRONMENT_MAP_LIMITS, HdrError } from '../scene/radiance-hdr';
import { sceneHash } from '../scene/scene-file';

/**
 * Environment maps as the coordinator keeps them: the Radiance .hdr file itself, addressed by its SHA-256
 * (the same content address as scenes, lib/scene/scene-file.ts sceneHash), immutable, served to
 * contributors as is (app/api/environments/[ref]). Built-in maps are generated in code and stored on first
 * use; uploads are checked in full (header bounds first, then every scanline) before they are stored.
 */

interface EnvironmentRow {
  hash: string;
  name: string;
  source: 'built-in' | 'upload';
  built_in_id: string | null;
  width: number;
  height: number;
  bytes: number;
}

const SUMMARY_COLUMNS = 'hash, name, source, built_in_id, width, height, octet_length(file)::float8 AS bytes';

function toSummary(row: EnvironmentRow): EnvironmentMapSummary {
  return {
    hash: row.hash,
    name: row.name,
    source: row.source,
    builtInId: row.built_in_id,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
  };
}

async function storeEnvironmentMap(
  ctx: CoordinatorContext,
  file: Uint8Array,
  meta: { name: string; source: 'built-in' | 'upload'; builtInId: string | null; origin: string | null },
): Promise<EnvironmentMapSummary> {
  const { width, height } = checkHdr(file);
  const hash = await sceneHash(file);
  const now = ctx.now();
  await ctx.db.query(
    `INSERT INTO environment_maps (hash, name, source, built_in_id, file, width, height, origin, created_at, uploaded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
     ON CONFLICT (hash) DO UPDATE SET uploaded_at = GREATEST(environment_maps.uploaded_at, excluded.uploaded_at)`,
    [hash, meta.name, meta.source, meta.builtInId, file, width, height, meta.origin, now],
  );
  return getEnvironmentMapSummary(ctx, hash);
}

/** Built-in files are a pure function of the code: generated once per process. */
const globalMaps = globalThis as typeof globalThis & {
  __lumengridBuiltInMaps?: Map<BuiltInEnvironmentMapId, Uint8Array<ArrayBuffer>>;
};

async function builtInEnvironmentMap(ctx: CoordinatorContext, id: BuiltInEnvironmentMapId) {
  globalMaps.__lumengridBuiltInMaps ??= new Map();
  let file = globalMaps.__lumengridBuiltInMaps.get(id);
  if (!file) {
    file = builtInEnvironmentFile(id);
    globalMaps.__lumengridBuiltInMaps.set(id, file);
  }
  const hash = await sceneHash(file);
  const [row] = await ctx.db.query<EnvironmentRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM environment_maps WHERE hash = $1`,
    [hash],
  );
  if (row) return toSummary(row);
  return storeEnvironmentMap(ctx, file, {
    name: BUILT_IN_ENVIRONMENT_TITLES[id],
    source: 'built-in',
    builtInId: id,
    origin: null,
  });
}

export async function getEnvironmentMapSummary(
  ctx: CoordinatorContext,
  hash: string,
): Promise<EnvironmentMapSummary> {
  const [row] = await ctx.db.query<EnvironmentRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM environment_maps WHERE hash = $1`,
    [hash],
  );
  if (!row) {
    throw new NotFoundError(`No environment map with hash ${hash}`, {
      metaMessages: [
        `Upload the .hdr first (POST /api/environments), or use a built-in map (${BUILT_IN_ENVIRONMENT_MAPS.join(', ')}).`,
      ],
    });
  }
  return toSummary(row);
}

/** A built-in map's name or an uploaded map's hash, resolved to its summary (404 when unknown). */
export async function resolveEnvironmentMap(
  ctx: CoordinatorContext,
  ref: string,
): Promise<EnvironmentMapSummary> {
  if (isBuiltInEnvironmentMap(ref)) return builtInEnvironmentMap(ctx, ref);
  if (/^[0-9a-f]{64}$/.test(ref)) return getEnvironmentMapSummary(ctx, ref);
  throw new InvalidRequestError(`There is no built-in environment map called "${ref}"`, {
    metaMessages: [`Use one of ${BUILT_IN_ENVIRONMENT_MAPS.join(', ')}, or upload a .hdr and use its hash.`],
  });
}

/**
 * A job's environment as it is stored: a map named by a built-in id gets that map's hash, and a map named
 * by hash must exist. Other environments pass unchanged.
 */
export async function resolveJobEnvironment(
  ctx: CoordinatorContext,
  environment: Environment,
): Promise<Environment> {
  if (environment.type !== 'map') return environment;
  const map = await resolveEnvironmentMap(ctx, environment.hash);
  return { ...environment, hash: map.hash };
}

/** The .hdr file whose SHA-256 is `hash`. */
export async function readEnvironmentMapFile(
  ctx: CoordinatorContext,
  hash: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const [row] = await ctx.db.query<{ file: Uint8Array }>(
    'SELECT file FROM environment_maps WHERE hash = $1',
    [hash],
  );
  if (!row) throw new NotFoundError(`No environment map with hash ${hash}`);
  return new Uint8Array(row.file);
}

/** The built-in maps (stored on first call) and the most recent uploads. */
export async function listEnvironmentMaps(
  ctx: CoordinatorContext,
  limit = 50,
): Promise<EnvironmentMapSummary[]> {
  const builtIns = [];
  for (const id of BUILT_IN_ENVIRONMENT_MAPS) builtIns.push(await builtInEnvironmentMap(ctx, id));
  const uploads = await ctx.db.query<EnvironmentRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM environment_maps WHERE source = 'upload' ORDER BY created_at DESC LIMIT $1`,
    [limit],
  );
  return [...builtIns, ...uploads.map(toSummary)];
}

/**
 * Stores an uploaded .hdr file. Bounded before any work: the byte size, then the header's declared size
 * (ENVIRONMENT_MAP_LIMITS, 413 beyond them), then every scanline decoded one at a time without keeping
 * pixels (422 for a file that is not a readable .hdr). Counts against the origin's storage quota
 * (SCENE_LIMITS.storedBytesPerOrigin, shared with scenes' window but counted on maps alone).
 */
export async function uploadEnvironmentMap(
  ctx: CoordinatorContext,
  file: Uint8Array,
  name: string,
  options: { origin?: string } = {},
): Promise<EnvironmentMapSummary> {
  const origin = options.origin ?? 'direct';
  try {
    checkHdr(file);
  } catch (error) {
    if (error instanceof HdrError) {
      const Refusal = error.status === 413 ? PayloadTooLargeError : InvalidEnvironmentMapError;
      throw new Refusal(error.message, {
        metaMessages: [
          `Send an equirectangular Radiance .hdr (RGBE) of at most ${ENVIRONMENT_MAP_LIMITS.maxWidth} x ${ENVIRONMENT_MAP_LIMITS.maxHeight} pixels and ${ENVIRONMENT_MAP_LIMITS.maxBytes / 2 ** 20} MiB.`,
        ],
      });
    }
    throw error;
  }
  await checkStorageQuota(ctx, origin, file.length, await sceneHash(file));
  return storeEnvironmentMap(ctx, file, { name, source: 'upload', builtInId: null, origin });
}

async function checkStorageQuota(ctx: CoordinatorContext, origin: string, adding: number, hash: string) {
  const since = ctx.now() - SCENE_LIMITS.storageWindowMs;
  const [row] = await ctx.db.query<{ used: number; oldest: number | null; exists: boolean }>(
    `SELECT COALESCE(SUM(octet_length(file)), 0)::float8 AS used, MIN(uploaded_at)::float8 AS oldest,
            EXISTS (SELECT 1 FROM environment_maps WHERE hash = $3) AS exists
       FROM environment_maps WHERE source = 'upload' AND origin = $1 AND uploaded_at > $2`,
    [origin, since, hash],
  );
  if (!row || row.exists) return;
  const quota = SCENE_LIMITS.storedBytesPerOrigin;
  if (row.used + adding <= quota) return;
  const retryAfterSeconds = Math.max(
    60,
    Math.ceil(((row.oldest ?? ctx.now()) + SCENE_LIMITS.storageWindowMs - ctx.now()) / 1000),
  );
  throw new RateLimitedError(
    `Uploads from your network have stored ${(row.used / 2 ** 20).toFixed(0)} MiB of environment maps in the last day; the limit is ${(quota / 2 ** 20).toFixed(0)} MiB`,
    {
      retryAfterSeconds,
      metaMessages: [
        `Upload again in ${Math.ceil(retryAfterSeconds / 3600)} h, or reuse a map you already uploaded (its hash).`,
      ],
    },
  );
}

/** Deletes uploaded maps no job needs any more, on the same terms as scenes (lib/work/scene-store.ts sweepScenes). */
export async function sweepEnvironmentMaps(ctx: CoordinatorContext): Promise<string[]> {
  const now = ctx.now();
  const rows = await ctx.db.query<{ hash: string }>(
    `DELETE FROM environment_maps e
      WHERE e.source = 'upload' AND e.uploaded_at < $1
        AND NOT EXISTS (
          SELECT 1 FROM jobs j
           WHERE j.spec->'environment'->>'hash' = e.hash
             AND (j.status <> 'done' OR COALESCE(j.completed_at, j.created_at) >= $2))
      RETURNING e.hash`,
    [now - SCENE_LIMITS.unreferencedGraceMs, now - SCENE_LIMITS.finishedRetentionMs],
  );
  return rows.map((row) => row.hash);
}
