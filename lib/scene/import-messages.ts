/**
 * Messages between the scene import pool (lib/scene/scene-import-pool.ts) and its worker
 * (lib/scene/import-worker.ts). Results are tagged unions: an error's class does not survive the thread
 * boundary, so a user error travels as its fields and is rebuilt on the other side.
 */
import type { SceneLimits } from './import-gltf';
import type { PreparedUpload } from './prepare-scene';

export interface ImportRequest {
  files: [name: string, bytes: Uint8Array][];
  limits: Partial<SceneLimits>;
}

export type ImportReply =
  | { ok: true; upload: PreparedUpload }
  | { ok: false; userError: { shortMessage: string; metaMessages: string[]; details: unknown } }
  | { ok: false; internalError: string };
