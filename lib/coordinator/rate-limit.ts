import { serverConfig } from '../config/server-config';
import { RateLimitedError } from '../protocol/errors';
import type { CoordinatorContext } from './context';
import type { SqlExecutor } from './db/sql';

/**
 * Token buckets per key (a session id or a network origin). RateLimiter keeps them in this process's memory
 * (the embedded database has one instance); SqlRateLimits keeps them in the database, so that every
 * coordinator instance on one PostgreSQL takes from the same bucket (takeRateLimit picks by the context).
 * Buckets idle for a while are dropped, so memory (or rows) stays bounded by the keys active in the last
 * minutes.
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
    const refused = this.tryTake(key);
    if (refused) throw rateLimited(what, refused.retryAfterSeconds);
  }

  /** Takes one token for `key`; null when granted, else when to come back. */
  tryTake(key: string): { retryAfterSeconds: number } | null {
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(
      this.limit.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond,
    );
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return { retryAfterSeconds: retryAfter(this.limit, bucket.tokens) };
    bucket.tokens -= 1;
    return null;
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
const sessionRate = serverConfig().LUMENGRID_SESSION_RATE;

export const RATE_LIMITS = {
  // LUMENGRID_SESSION_RATE lifts it for load benchmarks, where one simulated session asks as fast as it can.
  leasePerSession: { burst: 3 * sessionRate, perSecond: sessionRate },
  submitPerSession: { burst: 3 * sessionRate, perSecond: sessionRate },
  createJobPerOrigin: { burst: 30, perSecond: 1 },
  uploadScenePerOrigin: { burst: 10, perSecond: 0.2 },
  uploadEnvironmentPerOrigin: { burst: 10, perSecond: 0.2 },
  walletPerOrigin: { burst: 20, perSecond: 1 },
  // Relayed claims spend the relayer's gas: a few per origin, one per account every five minutes (a second
  // relay of the same claim would only revert, and it must not cost gas even so).
  relayPerOrigin: { burst: 5, perSecond: 1 / 60 },
  relayPerAccount: { burst: 1, perSecond: 1 / 300 },
  // An owner's cancel, pause, resume and priority: by hand, and each one bumps the job's version.
  jobControlPerOrigin: { burst: 20, perSecond: 1 },
  // Operator sign-in (/operator): a person pastes a token now and then; a guesser gets 5, then one a minute.
  operatorSignInPerOrigin: { burst: 5, perSecond: 1 / 60 },
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

/**
 * Takes one token of limit `name` for `key`, from the buckets every instance of this database shares when the
 * context has them (ctx.rateLimits), else from this process's; throws RateLimitedError when there is none.
 */
export async function takeRateLimit(
  ctx: Pick<CoordinatorContext, 'rateLimits'>,
  name: LimitName,
  key: string,
  what: string,
): Promise<void> {
  const refused = ctx.rateLimits
    ? await ctx.rateLimits.tryTake(name, RATE_LIMITS[name], key)
    : limiter(name).tryTake(key);
  if (refused) throw rateLimited(what, refused.retryAfterSeconds);
}

/** Keys come from clients (session ids): a longer one is cut, which only makes its owner share a bucket. */
const MAX_KEY_LENGTH = 128;
/** Longer than any bucket takes to fill up again (RATE_LIMITS: 50 s at most). */
const SWEEP_IDLE_MS = 10 * 60_000;

/**
 * Token buckets in the database (migration 16): one upsert per take, refilling and taking in one statement,
 * so concurrent instances serialize on the bucket's row and never both take its last token.
 */
export class SqlRateLimits {
  private lastSweep = 0;

  constructor(
    private readonly db: SqlExecutor,
    private readonly now: () => number = Date.now,
  ) {}

  async tryTake(name: string, limit: RateLimit, key: string): Promise<{ retryAfterSeconds: number } | null> {
    const now = this.now();
    if (now - this.lastSweep > 60_000) {
      this.lastSweep = now;
      void this.db
        .query('DELETE FROM rate_limit_buckets WHERE at < $1', [now - SWEEP_IDLE_MS])
        .catch(() => {});
    }
    const [row] = await this.db.query<{ tokens: number; granted: boolean }>(
      `INSERT INTO rate_limit_buckets AS b (limit_name, key, tokens, at, granted)
         VALUES ($1, $2, $3::float8 - 1, $4, true)
       ON CONFLICT (limit_name, key) DO UPDATE SET
         tokens = LEAST($3::float8, b.tokens + GREATEST(0, $4 - b.at) / 1000.0 * $5::float8)
           - CASE WHEN LEAST($3::float8, b.tokens + GREATEST(0, $4 - b.at) / 1000.0 * $5::float8) >= 1 THEN 1 ELSE 0 END,
         granted = LEAST($3::float8, b.tokens + GREATEST(0, $4 - b.at) / 1000.0 * $5::float8) >= 1,
         at = GREATEST(b.at, $4)
       RETURNING tokens, granted`,
      [name, key.slice(0, MAX_KEY_LENGTH), limit.burst, now, limit.perSecond],
    );
    if (!row || row.granted) return null;
    return { retryAfterSeconds: retryAfter(limit, row.tokens) };
  }
}

function retryAfter(limit: RateLimit, tokens: number): number {
  return Math.max(1, Math.ceil((1 - tokens) / limit.perSecond));
}

function rateLimited(what: string, retryAfterSeconds: number): RateLimitedError {
  return new RateLimitedError(`Too many ${what}: slow down`, {
    retryAfterSeconds,
    metaMessages: [`Try again in ${retryAfterSeconds} s.`],
  });
}

/** The key an origin's requests share: the client address behind a trusted proxy, else one for all. */
export function originKey(origin: string | null): string {
  return origin ?? 'direct';
}
