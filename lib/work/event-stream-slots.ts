import { OverloadedError, RateLimitedError } from '../protocol/errors';
import { EVENT_STREAM_LIMITS } from '../protocol/limits';

/**
 * Open event streams, counted per network origin and in all: each holds a connection, timers and a poll of
 * its job, so one origin may not open more than `perOrigin`, nor the process more than `total`. A refused
 * dashboard falls back to polling GET /api/jobs/:id (components/jobs/job-live-view.tsx).
 */
export class EventStreamSlots {
  private readonly byOrigin = new Map<string, number>();
  private open = 0;

  constructor(
    readonly perOrigin: number,
    readonly total: number,
    readonly retryAfterSeconds: number,
  ) {}

  /** Takes a slot for `origin` (an originKey), or throws; the returned function gives it back, once. */
  take(origin: string): () => void {
    const held = this.byOrigin.get(origin) ?? 0;
    const next = [
      `Close other tabs that watch jobs, or poll GET /api/jobs/:id instead; try again in ${this.retryAfterSeconds} s.`,
    ];
    if (held >= this.perOrigin) {
      throw new RateLimitedError(
        `Too many open job event streams from your address (${this.perOrigin} at most)`,
        {
          retryAfterSeconds: this.retryAfterSeconds,
          metaMessages: next,
        },
      );
    }
    if (this.open >= this.total) {
      throw new OverloadedError(
        `The coordinator has as many job event streams open as it serves (${this.total})`,
        {
          retryAfterSeconds: this.retryAfterSeconds,
          metaMessages: next,
        },
      );
    }
    this.byOrigin.set(origin, held + 1);
    this.open++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.open--;
      const left = (this.byOrigin.get(origin) ?? 1) - 1;
      if (left > 0) this.byOrigin.set(origin, left);
      else this.byOrigin.delete(origin);
    };
  }

  get stats() {
    return { open: this.open, origins: this.byOrigin.size };
  }
}

const globalSlots = globalThis as typeof globalThis & { __lumengridEventSlots?: EventStreamSlots };

/** This process's stream slots (on globalThis: route modules may load more than once). */
export function eventStreamSlots(): EventStreamSlots {
  globalSlots.__lumengridEventSlots ??= new EventStreamSlots(
    EVENT_STREAM_LIMITS.perOrigin,
    EVENT_STREAM_LIMITS.total,
    EVENT_STREAM_LIMITS.retryAfterSeconds,
  );
  return globalSlots.__lumengridEventSlots;
}
