import { OverloadedError } from '../protocol/errors';
import { IMAGE_LIMITS } from '../protocol/limits';

/**
 * How many image builds run at once (a semaphore with a short queue): each build holds a band of tiles and
 * a CPU core, so a burst of requests waits its turn, and past the queue is refused with 503 and
 * Retry-After instead of multiplying the coordinator's memory.
 */
export class BuildGate {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    readonly maxActive: number,
    readonly maxQueued: number,
    readonly retryAfterSeconds: number,
  ) {}

  /** Resolves with a release function once a slot is free; throws OverloadedError when the queue is full. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active >= this.maxActive) {
      if (this.queue.length >= this.maxQueued) {
        throw new OverloadedError('The coordinator is building as many images as it can right now', {
          retryAfterSeconds: this.retryAfterSeconds,
          metaMessages: [
            `Try again in ${this.retryAfterSeconds} s.`,
            'A small preview (image.png?maxSize=256) is cheaper than the full image.',
          ],
        });
      }
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        };
        const abort = () => {
          const at = this.queue.indexOf(wake);
          if (at >= 0) this.queue.splice(at, 1);
          reject(signal?.reason ?? new Error('aborted'));
        };
        signal?.addEventListener('abort', abort, { once: true });
        this.queue.push(wake);
      });
    } else {
      this.active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      // The slot passes straight to the next in line (active stays the same), else it frees.
      if (next) next();
      else this.active--;
    };
  }

  get stats() {
    return { active: this.active, queued: this.queue.length };
  }
}

/**
 * Encoded PNGs by job version (`${jobId}:${version}:${variant}`), least recently used dropped first, within
 * a byte budget: a dashboard that asks for the same version again gets these bytes without a rebuild.
 */
export class PngCache {
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(
    readonly budgetBytes: number,
    readonly maxEntryBytes: number,
  ) {}

  get(key: string): Uint8Array | undefined {
    const found = this.entries.get(key);
    if (found) {
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found;
  }

  set(key: string, png: Uint8Array): void {
    if (png.byteLength > this.maxEntryBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.byteLength;
    }
    this.entries.set(key, png);
    this.bytes += png.byteLength;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.budgetBytes) break;
      this.entries.delete(k);
      this.bytes -= v.byteLength;
    }
  }

  get size() {
    return { entries: this.entries.size, bytes: this.bytes };
  }
}

const globalImages = globalThis as typeof globalThis & {
  __lumengridImages?: { gate: BuildGate; cache: PngCache };
};

/** This process's gate and cache (on globalThis: route modules may load more than once). */
export function imageResources(): { gate: BuildGate; cache: PngCache } {
  globalImages.__lumengridImages ??= {
    gate: new BuildGate(
      IMAGE_LIMITS.maxActiveBuilds,
      IMAGE_LIMITS.maxQueuedBuilds,
      IMAGE_LIMITS.retryAfterSeconds,
    ),
    cache: new PngCache(IMAGE_LIMITS.pngCacheBytes, IMAGE_LIMITS.pngCacheEntryBytes),
  };
  return globalImages.__lumengridImages;
}
