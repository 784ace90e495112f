import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext } from '../testing/test-context';
import { RateLimiter, SqlRateLimits, takeRateLimit } from './rate-limit';

describe('rate limiter', () => {
  it('allows a burst, then one request per refill interval, per key', () => {
    const clock = { now: 0 };
    const limiter = new RateLimiter({ burst: 3, perSecond: 2 }, () => clock.now);
    for (let i = 0; i < 3; i++) limiter.take('a', 'leases');
    expect(() => limiter.take('a', 'leases')).toThrow(/Too many leases/);
    limiter.take('b', 'leases'); // another key has its own bucket
    clock.now += 500; // half a second: one token back
    limiter.take('a', 'leases');
    expect(() => limiter.take('a', 'leases')).toThrow(/slow down/);
  });

  it('says when to come back', () => {
    const limiter = new RateLimiter({ burst: 1, perSecond: 0.2 }, () => 0);
    limiter.take('a', 'jobs');
    try {
      limiter.take('a', 'jobs');
      throw new Error('not limited');
    } catch (error) {
      expect(error).toMatchObject({ status: 429, retryAfterSeconds: 5 });
    }
  });
});

describe('rate limits in the database', () => {
  let t: Awaited<ReturnType<typeof createTestContext>>;
  beforeAll(async () => {
    t = await createTestContext();
  });
  afterAll(() => t.close());

  it('allow a burst, then one request per refill interval, per key, like the in-memory buckets', async () => {
    const clock = { now: 1_000_000 };
    const limits = new SqlRateLimits(t.ctx.db, () => clock.now);
    const limit = { burst: 3, perSecond: 2 };
    for (let i = 0; i < 3; i++) expect(await limits.tryTake('lease', limit, 'a')).toBeNull();
    expect(await limits.tryTake('lease', limit, 'a')).toEqual({ retryAfterSeconds: 1 });
    expect(await limits.tryTake('lease', limit, 'b')).toBeNull();
    expect(await limits.tryTake('submit', limit, 'a')).toBeNull(); // another limit, another bucket
    clock.now += 500;
    expect(await limits.tryTake('lease', limit, 'a')).toBeNull();
    expect(await limits.tryTake('lease', limit, 'a')).not.toBeNull();
  });

  it('say when to come back, through takeRateLimit', async () => {
    const ctx = { rateLimits: new SqlRateLimits(t.ctx.db, () => 5_000_000) };
    await takeRateLimit(ctx, 'uploadScenePerOrigin', 'slow', 'scene uploads'); // burst 10, 0.2/s
    for (let i = 0; i < 9; i++) await takeRateLimit(ctx, 'uploadScenePerOrigin', 'slow', 'scene uploads');
    await expect(takeRateLimit(ctx, 'uploadScenePerOrigin', 'slow', 'scene uploads')).rejects.toMatchObject({
      status: 429,
      retryAfterSeconds: 5,
      message: expect.stringMatching(/Too many scene uploads/),
    });
  });

  // Two instances are two connection pools on one PostgreSQL: a client spreading its requests over both
  // gets the one budget, not one per instance.
  it.skipIf(!process.env.LUMENGRID_TEST_DATABASE_URL)('are shared by every instance', async () => {
    const other = await t.reopen();
    try {
      const limit = { burst: 10, perSecond: 0.001 };
      const a = new SqlRateLimits(t.ctx.db);
      const b = new SqlRateLimits(other);
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).tryTake('shared', limit, 'one-client')),
      );
      expect(answers.filter((answer) => answer === null)).toHaveLength(10);
    } finally {
      await other.close();
    }
  });
});
