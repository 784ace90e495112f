import type { RenderTask } from '../protocol/render-task';
import type { PackedScene } from '../scene/packed-scene';
import { decodeHdr, type RadianceImage } from '../scene/radiance-hdr';
import { parsePackedScene, sceneHash } from '../scene/scene-file';

/** The part of PathTracer a loader feeds. */
export interface SceneSink {
  hasScene(hash: string): boolean;
  loadScene(hash: string, packed: PackedScene): void;
  hasEnvironmentMap(hash: string): boolean;
  loadEnvironmentMap(hash: string, image: RadianceImage): void;
}

/**
 * Makes sure a tracer holds what a task names: its scene and, for a map environment, its environment map.
 * Each is downloaded once (browsers also keep it in their HTTP cache: the coordinator serves both as
 * immutable), checked against the SHA-256 asked for — a tampered or truncated download never reaches the
 * GPU — decoded and uploaded. Concurrent asks share a download.
 */
export class SceneLoader {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly sink: SceneSink,
    private readonly download: (hash: string) => Promise<Uint8Array>,
    private readonly downloadEnvironmentMap: (hash: string) => Promise<Uint8Array> = () =>
      Promise.reject(new Error('This loader has no environment map source.')),
  ) {}

  /** The task's scene and environment map, loaded. */
  async ensureTask(task: Pick<RenderTask, 'sceneHash' | 'environment'>): Promise<void> {
    const environment = task.environment;
    await Promise.all([
      this.ensure(task.sceneHash),
      environment?.type === 'map' ? this.ensureEnvironmentMap(environment.hash) : undefined,
    ]);
  }

  ensure(hash: string): Promise<void> {
    if (this.sink.hasScene(hash)) return Promise.resolve();
    return this.once(`scene:${hash}`, async () => {
      const bytes = await this.download(hash);
      await expectHash('scene', bytes, hash);
      this.sink.loadScene(hash, parsePackedScene(bytes));
    });
  }

  ensureEnvironmentMap(hash: string): Promise<void> {
    if (this.sink.hasEnvironmentMap(hash)) return Promise.resolve();
    return this.once(`map:${hash}`, async () => {
      const bytes = await this.downloadEnvironmentMap(hash);
      await expectHash('environment map', bytes, hash);
      this.sink.loadEnvironmentMap(hash, decodeHdr(bytes));
    });
  }

  private once(key: string, load: () => Promise<void>): Promise<void> {
    let loading = this.pending.get(key);
    if (!loading) {
      loading = load().finally(() => this.pending.delete(key));
      this.pending.set(key, loading);
    }
    return loading;
  }
}

async function expectHash(what: string, bytes: Uint8Array, hash: string) {
  const actual = await sceneHash(bytes);
  if (actual !== hash) {
    throw new Error(`The ${what} download does not match its hash (expected ${hash}, got ${actual}).`);
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

/** Downloads an environment map's .hdr file from a coordinator. */
export function coordinatorEnvironmentMapDownload(base = '', fetchImpl: typeof fetch = fetch) {
  return async (hash: string): Promise<Uint8Array> => {
    const response = await fetchImpl(`${base}/api/environments/${hash}`);
    if (!response.ok)
      throw new Error(`Could not download environment map ${hash.slice(0, 12)}…: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
}
