import type { PackedScene } from '../scene/packed-scene';
import { parsePackedScene, sceneHash } from '../scene/scene-file';

/** The part of PathTracer a loader feeds. */
export interface SceneSink {
  hasScene(hash: string): boolean;
  loadScene(hash: string, packed: PackedScene): void;
}

/**
 * Makes sure a tracer holds the scene a task names: downloads it once (browsers also keep it in their HTTP
 * cache: the coordinator serves scenes as immutable), checks that its SHA-256 is the hash asked for — a
 * tampered or truncated download never reaches the GPU — and uploads it. Concurrent asks share a download.
 */
export class SceneLoader {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly sink: SceneSink,
    private readonly download: (hash: string) => Promise<Uint8Array>,
  ) {}

  ensure(hash: string): Promise<void> {
    if (this.sink.hasScene(hash)) return Promise.resolve();
    let loading = this.pending.get(hash);
    if (!loading) {
      loading = (async () => {
        const bytes = await this.download(hash);
        const actual = await sceneHash(bytes);
        if (actual !== hash) {
          throw new Error(`The scene download does not match its hash (expected ${hash}, got ${actual}).`);
        }
        this.sink.loadScene(hash, parsePackedScene(bytes));
      })().finally(() => this.pending.delete(hash));
      this.pending.set(hash, loading);
    }
    return loading;
  }
}

/** Downloads a packed scene from a coordinator (`base` is '' in a page or worker of that coordinator). */
export function coordinatorSceneDownload(base = '', fetchImpl: typeof fetch = fetch) {
  return async (hash: string): Promise<Uint8Array> => {
    const response = await fetchImpl(`${base}/api/scenes/${hash}`);
    if (!response.ok)
      throw new Error(`Could not download scene ${hash.slice(0, 12)}…: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
}
