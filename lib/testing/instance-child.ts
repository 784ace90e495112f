// Child process for instances.test.ts: one coordinator instance on the PostgreSQL named by argv
// (<url>#<schema>), wired as lib/instance/coordinator.ts wires a server process: job events relayed through
// NOTIFY, rate limits in the database, the payments loop behind the leader lock. The parent drives it over
// IPC: `watch` a job's event stream (a dashboard), `work` one unit (a contributor), `limit` a rate limit.

import { serverConfig } from '../config/server-config';
import type { CoordinatorContext } from '../coordinator/context';
import { migrate } from '../coordinator/db/migrations';
import { openPostgres } from '../coordinator/db/postgres';
import { relayJobEvents } from '../coordinator/job-events';
import { SqlRateLimits, takeRateLimit } from '../coordinator/rate-limit';
import { paymentsFromConfig } from '../settlement/config';
import { PAYMENTS_LEADER_LOCK, startPaymentsLoop } from '../settlement/payments-loop';
import { jobEventStream } from '../work/job-event-stream';
import { createJob } from '../work/jobs';
import { leaseUnit } from '../work/lease-unit';
import { submitResult } from '../work/submit-result';
import { renderLeaseHonestly } from './stand-in-renderer';

const [url, schema] = (process.argv[2] as string).split('#') as [string, string];
// Another lock than the product's when the test names one (lib/testing/instance-process.ts says why).
const leaderLock = process.argv[3] ? Number(process.argv[3]) : PAYMENTS_LEADER_LOCK;
const db = await openPostgres({ connectionString: url, schema, max: 4 });
await migrate(db);
const jobEvents = await relayJobEvents(db);
const ctx: CoordinatorContext = {
  db,
  now: Date.now,
  leaseTtlMs: 60_000,
  onJobChanged: jobEvents.publish,
  payments: paymentsFromConfig(),
  rateLimits: new SqlRateLimits(db),
};
const loop = ctx.payments
  ? startPaymentsLoop(
      ctx,
      ctx.payments,
      serverConfig().LUMENGRID_SETTLE_INTERVAL_MS,
      db.sessionLock?.(leaderLock),
    )
  : null;

const send = (message: unknown) => process.send?.(message);
const decoder = new TextDecoder();

process.on('message', async (message: { id: number; cmd: string; [key: string]: unknown }) => {
  try {
    if (message.cmd === 'create') {
      send({ id: message.id, jobId: (await createJob(ctx, message.spec)).id });
    } else if (message.cmd === 'watch') {
      const stream = await jobEventStream(ctx, message.jobId as string, new AbortController().signal, {
        origin: 'dashboard',
      });
      send({ id: message.id, watching: true });
      const reader = stream.getReader();
      let buffer = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) {
            const job = JSON.parse(data) as { pixelSamplesDone: number; unitsDone: number };
            send({ event, at: Date.now(), job: { unitsDone: job.unitsDone } });
          }
        }
      }
    } else if (message.cmd === 'work') {
      const sessionId = message.sessionId as string;
      const lease = await leaseUnit(ctx, { sessionId }, { origin: null });
      if (!lease) return send({ id: message.id, leased: false });
      const data = await renderLeaseHonestly(lease);
      const at = Date.now();
      await submitResult(ctx, {
        leaseId: lease.leaseId,
        sessionId,
        body: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      });
      send({ id: message.id, leased: true, submittedAt: at, acceptedAt: Date.now() });
    } else if (message.cmd === 'limit') {
      const answers: number[] = [];
      for (let i = 0; i < (message.times as number); i++) {
        answers.push(
          await takeRateLimit(ctx, 'createJobPerOrigin', message.key as string, 'new jobs').then(
            () => 200,
            (error) => (error as { status: number }).status,
          ),
        );
      }
      send({ id: message.id, answers });
    } else if (message.cmd === 'leading') {
      send({ id: message.id, leading: loop?.leading() ?? false });
    }
  } catch (error) {
    send({ id: message.id, error: String(error) });
  }
});
send({ ready: true });
