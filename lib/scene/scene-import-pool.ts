/**
 * Scene imports off the request path: each upload is prepared (lib/scene/prepare-scene.ts) in a fresh
 * worker thread with a capped JS heap and a wall-clock timeout that terminates it, at most `workers` at once,
 * with at most `queue` more waiting; one more is refused with OverloadedError (503, Retry-After). A hostile upload
 * therefore costs one worker's bounded memory and time, and the server's event loop keeps answering other
 * requests meanwhile. A worker per import (not a long-lived one) gives every import a clean heap and makes
 * ending a runaway one safe.
 *
 * Worker file resolution: Turbopack (Next.js 16.4) copies a `new Worker(new URL('./x.ts', import.meta.url))`
 * entry as a raw asset instead of bundling it, so a bundled worker cannot import its TypeScript neighbours.
 * The worker therefore always runs from source through tsx (spawnImportWorker): under vitest, tsx scripts
 * and `next start` from the checkout alike.
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { serverConfig } from '../config/server-config';
import { OverloadedError } from '../protocol/errors';
import { SCENE_LIMITS } from '../protocol/limits';
import type { SceneLimits } from './import-gltf';
import type { ImportReply, ImportRequest } from './import-messages';
import { type PreparedUpload, prepareUpload } from './prepare-scene';
import { SceneImportError } from './scene-import-error';

export interface ImportPoolOptions {
  workers: number;
  queue: number;
  timeoutMs: number;
  heapMb: number;
  /**
   * false: run each import on this thread instead (no heap cap, no timeout, queue bounds kept). Only for
   * tests that fuzz thousands of uploads, where starting a worker through tsx (~1 s) each time is too slow.
   */
  isolate?: boolean;
}

export const DEFAULT_IMPORT_POOL: ImportPoolOptions = {
  workers: serverConfig().LUMENGRID_IMPORT_WORKERS,
  queue: SCENE_LIMITS.importQueue,
  timeoutMs: SCENE_LIMITS.importTimeoutMs,
  heapMb: SCENE_LIMITS.importHeapMb,
};

export class SceneImportPool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Recent import time, for Retry-After. */
  private averageMs = 2000;

  constructor(readonly options: ImportPoolOptions = DEFAULT_IMPORT_POOL) {}

  /** Imports currently running and waiting. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Prepares an upload in a worker; throws SceneImportError (422), OverloadedError (503) or an internal Error. */
  async run(files: Map<string, Uint8Array>, limits: Partial<SceneLimits> = {}): Promise<PreparedUpload> {
    if (this.running < this.options.workers) this.running++;
    else if (this.waiting.length < this.options.queue) {
      await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over
    } else {
      const ahead = this.running + this.waiting.length;
      const retryAfterSeconds = Math.max(
        1,
        Math.ceil((this.averageMs * ahead) / this.options.workers / 1000),
      );
      throw new OverloadedError('The coordinator is importing as many scenes as it can right now', {
        retryAfterSeconds,
        metaMessages: [`Upload the scene again in ${retryAfterSeconds} s.`],
      });
    }
    const started = Date.now();
    try {
      return this.options.isolate === false
        ? await prepareUpload(files, limits)
        : await this.runInWorker(files, limits);
    } finally {
      this.averageMs = 0.8 * this.averageMs + 0.2 * (Date.now() - started);
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private async runInWorker(files: Map<string, Uint8Array>, limits: Partial<SceneLimits>) {
    const { timeoutMs, heapMb } = this.options;
    const worker = spawnImportWorker({
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 64, stackSizeMb: 4 },
    });
    try {
      return await new Promise<PreparedUpload>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new SceneImportError(
              `The scene took longer than ${timeoutMs / 1000} s to import and was stopped.`,
              {
                metaMessages: [
                  'Reduce the mesh (Blender: Decimate modifier) or shrink the textures, then upload again.',
                ],
              },
            ),
          );
        }, timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          settle();
        };
        worker.once('message', (reply: ImportReply) =>
          done(() => {
            if (reply.ok) resolve(reply.upload);
            else if ('userError' in reply) {
              const { shortMessage, metaMessages, details } = reply.userError;
              reject(new SceneImportError(shortMessage, { metaMessages, details }));
            } else reject(new Error(`scene import worker failed: ${reply.internalError}`));
          }),
        );
        worker.once('error', (error: Error & { code?: string }) =>
          done(() =>
            reject(
              error.code === 'ERR_WORKER_OUT_OF_MEMORY'
                ? new SceneImportError(`The scene needs more than the ${heapMb} MiB one import may use.`, {
                    cause: error,
                    metaMessages: [
                      'Reduce the mesh (Blender: Decimate modifier) or shrink the textures, then upload again.',
                    ],
                  })
                : new Error('scene import worker crashed', { cause: error }),
            ),
          ),
        );
        worker.once('exit', (code) => done(() => reject(new Error(`scene import worker exited (${code})`))));
        const request: ImportRequest = { files: [...files], limits };
        worker.postMessage(request);
      });
    } finally {
      // Waits until the thread is gone, so its memory is free before the next import takes the slot.
      await worker.terminate();
    }
  }
}

/**
 * The worker runs lib/scene/import-worker.ts from source through tsx, registered inside the worker (Node 20
 * does not carry the parent's module hooks into a worker). Under Next.js the route's bundle is not where
 * the source lies, so the checkout is found from the working directory `npm start` runs in.
 */
function spawnImportWorker(options: WorkerOptions): Worker {
  const bundled = Boolean(process.env.NEXT_RUNTIME);
  const here = bundled
    ? resolve(/*turbopackIgnore: true*/ process.cwd(), 'lib/scene')
    : dirname(fileURLToPath(import.meta.url));
  const source = pathToFileURL(join(here, 'import-worker.ts')).href;
  // A computed path: the bundler must not try to resolve tsx at build time.
  const from = bundled ? join(here, '..', '..', 'package.json') : fileURLToPath(import.meta.url);
  const tsx = pathToFileURL(
    createRequire(from)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

const globalPool = globalThis as typeof globalThis & { __lumengridImportPool?: SceneImportPool };

/** This process's pool (on globalThis: route modules may be instantiated more than once). */
export function sceneImportPool(): SceneImportPool {
  globalPool.__lumengridImportPool ??= new SceneImportPool();
  return globalPool.__lumengridImportPool;
}
