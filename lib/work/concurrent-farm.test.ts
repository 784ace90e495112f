import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLeaseHonestly } from '../testing/stand-in-renderer';
import { createTestContext } from '../testing/test-context';
import { expectHonestImage, STAND_IN_ADAPTER } from '../testing/test-support';
import { createJob, getJob } from './jobs';
import { leaseUnit } from './lease-unit';
import { submitResult } from './submit-result';

// Contributors that lease, render and submit at the same time, as a real farm does: on PostgreSQL
// (`npm run test:pg`) their transactions run concurrently on a pool of connections. A lease, a submission and
// a verdict update several contributors', tiles' and checks' rows; unserialised, they deadlocked (PostgreSQL
// aborts one of the transactions in a cycle after its deadlock_timeout, and the retries deadlocked again).
type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ leaseTtlMs: 600_000 });
});
afterAll(() => t.close());

describe('a farm working concurrently', () => {
  it('finishes the job exactly, with every request answered, while eight devices lease and submit at once', async () => {
    const job = await createJob(t.ctx, {
      scene: 'cornell',
      width: 128,
      height: 128,
      samplesPerPixel: 64,
      tileSize: 32,
    });
    const failures: unknown[] = [];
    const device = async (sessionId: string) => {
      for (let idle = 0; idle < 40; ) {
        const lease = await leaseUnit(
          t.ctx,
          { sessionId, adapter: STAND_IN_ADAPTER },
          { origin: `origin-${sessionId}` },
        ).catch((error: unknown) => {
          failures.push(error);
          return null;
        });
        if (!lease) {
          if ((await getJob(t.ctx, job.id)).status === 'done') return;
          // Nothing for this device right now: checks may be assigned to others for a while.
          idle++;
          t.clock.now += 1000;
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        idle = 0;
        const data = await renderLeaseHonestly(lease);
        await submitResult(t.ctx, {
          leaseId: lease.leaseId,
          sessionId,
          body: new Uint8Array(data.buffer),
        }).catch((error: unknown) => failures.push(error));
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => device(`concurrent-${i}`)));
    expect(failures).toEqual([]);
    // Deadlocks are retried, each after a stall of its deadlock_timeout: none may happen.
    expect(t.ctx.db.retriedTransactions ?? 0).toBe(0);
    await expectHonestImage(t.ctx, job.id);
  }, 120_000);
});
