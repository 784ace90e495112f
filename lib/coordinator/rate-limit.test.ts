import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit';

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
