import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext } from '../testing/test-context';
import { createJob } from '../work/jobs';
import { onJobChanged, relayJobEvents } from './job-events';
import { createMetrics } from './metrics';
import { health, metricsResponse } from './operator-routes';

let t: Awaited<ReturnType<typeof createTestContext>>;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

const JOB = { scene: 'cornell', width: 32, height: 16, samplesPerPixel: 4, tileSize: 16, samplesPerUnit: 2 };
const scrape = (authorization?: string) =>
  new Request('http://coordinator/metrics', { headers: authorization ? { authorization } : {} });

describe('GET /api/health', () => {
  it('is 200 with the database up, and says payments are off', async () => {
    expect(await health(async () => t.ctx)).toEqual({ status: 200, body: { database: 'ok', chain: 'off' } });
  });

  it('is 503 when the database does not answer, and 200 with the chain reported down when only it is', async () => {
    const down = await health(async () => ({
      ...t.ctx,
      db: { ...t.ctx.db, query: () => Promise.reject(new Error('connection refused')) },
    }));
    expect(down).toEqual({ status: 503, body: { database: 'unavailable', chain: 'off' } });
    const noChain = await health(
      async () => ({
        ...t.ctx,
        payments: { escrow: { publicClient: { getBlockNumber: () => new Promise(() => {}) } } } as never,
      }),
      200,
    );
    expect(noChain).toEqual({ status: 200, body: { database: 'ok', chain: 'unavailable' } });
  });
});

describe('GET /metrics', () => {
  it('is off without a token, refuses a wrong one, and serves Prometheus text with the right one', async () => {
    const metrics = createMetrics(async () => t.ctx);
    expect((await metricsResponse(scrape(), metrics, undefined)).status).toBe(404);
    expect((await metricsResponse(scrape('Bearer nope'), metrics, 'sekret')).status).toBe(401);
    expect((await metricsResponse(scrape(), metrics, 'sekret')).status).toBe(401);

    await createJob(t.ctx, JOB);
    metrics.leases.inc({ outcome: 'work' });
    metrics.leaseSeconds.observe(0.02);
    const response = await metricsResponse(scrape('Bearer sekret'), metrics, 'sekret');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^lumengrid_units\{state="pending"\} [1-9]/m);
    expect(text).toMatch(/^lumengrid_units\{state="done"\} 0$/m);
    expect(text).toMatch(/^lumengrid_leases_total\{outcome="work"\} 1$/m);
    expect(text).toMatch(/^lumengrid_lease_seconds_bucket\{le="0\.025"\} 1$/m);
    for (const name of [
      'lumengrid_check_disagreements',
      'lumengrid_quarantined_sessions',
      'lumengrid_verification_overhead_ratio',
      'lumengrid_settlement_lag_seconds',
      'lumengrid_process_resident_memory_bytes',
    ]) {
      expect(text).toMatch(new RegExp(`^${name} `, 'm'));
    }
  });
});

describe('job events relay', () => {
  it('tells this instance at once, and once: its own notification is not heard again', async () => {
    const relay = await relayJobEvents(t.ctx.db, 'me');
    let heard = 0;
    const stop = onJobChanged('job-1', () => heard++);
    relay.publish('job-1');
    expect(heard).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toBe(1);
    // Another instance's notification on the same database is delivered.
    await t.ctx.db.query("SELECT pg_notify('lumengrid_job_changed', 'someone-else job-1')");
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toBe(2);
    stop();
    await relay.close();
  });
});
