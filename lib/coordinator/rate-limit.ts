import { RateLimitedError } from '../protocol/errors';

/**
 * Token buckets per key (a session id or a network origin), in this process's memory: each instance of the
 * coordinator limits what reaches it. Buckets idle for a while are dropped, so memory stays bounded by the
 * keys active in the last minutes.
 */
export interface RateLimit {
  /** Requests allowed at once. */
  burst: number;
  /** Sustained requests per second. */
  perSecond: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`, or throws RateLimitedError saying when to come back. */
  take(key: string, what: string): void {
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(
      this.limit.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond,
    );
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket);
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.perSecond));
      throw new RateLimitedError(`Too many ${what}: slow down`, {
        retryAfterSeconds,
        metaMessages: [`Try again in ${retryAfterSeconds} s.`],
      });
    }
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
  }

  private sweep(now: number) {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    // A bucket full again (idle long enough to refill) says nothing: forget it.
    const refill = (this.limit.burst / this.limit.perSecond) * 1000;
    for (const [key, bucket] of this.buckets) if (now - bucket.at > refill) this.buckets.delete(key);
  }
}

/**
 * The coordinator's limits. Per session for the contributor loop (a tab asks a few times a second at most);
 * per network origin for what a person does by hand or what costs the coordinator most.
 */
const sessionRate = Number(process.env.LUMENGRID_SESSION_RATE) || 10;

export const RATE_LIMITS = {
  // LUMENGRID_SESSION_RATE lifts it for load benchmarks, where one simulated session asks as fast as it can.
  leasePerSession: { burst: 3 * sessionRate, perSecond: sessionRate },
  submitPerSession: { burst: 3 * sessionRate, perSecond: sessionRate },
  createJobPerOrigin: { burst: 30, perSecond: 1 },
  uploadScenePerOrigin: { burst: 10, perSecond: 0.2 },
  uploadEnvironmentPerOrigin: { burst: 10, perSecond: 0.2 },
  walletPerOrigin: { burst: 20, perSecond: 1 },
} as const satisfies Record<string, RateLimit>;

type LimitName = keyof typeof RATE_LIMITS;

const globalLimiters = globalThis as typeof globalThis & {
  __lumengridLimiters?: Map<LimitName, RateLimiter>;
};

/** This process's limiter for `name` (cached on globalThis: route modules may load more than once). */
export function limiter(name: LimitName): RateLimiter {
  globalLimiters.__lumengridLimiters ??= new Map();
  let found = globalLimiters.__lumengridLimiters.get(name);
  if (!found) {
    found = new RateLimiter(RATE_LIMITS[name]);
    globalLimiters.__lumengridLimiters.set(name, found);
  }
  return found;
}

/** The key an origin's requests share: the client address behind a trusted proxy, else one for all. */
export function originKey(origin: string | null): string {
  return origin ?? 'direct';
}
