import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CoordinatorContext } from '../coordinator/context';
import type { Sql } from '../coordinator/db/sql';
import { notifyJobChanged } from '../coordinator/job-events';
import type { JobView } from '../protocol/api-types';
import { OverloadedError, RateLimitedError } from '../protocol/errors';
import { createTestContext } from '../testing/test-context';
import { EventStreamSlots } from './event-stream-slots';
import { jobEventStream } from './job-event-stream';
import { createJob } from './jobs';

type TestContext = Awaited<ReturnType<typeof createTestContext>>;
let t: TestContext;

beforeAll(async () => {
  t = await createTestContext();
});
beforeEach(() => t.reset());
afterAll(() => t.close());

/** The test's context with its queries counted: tile rows read (FROM tiles, not counting aggregates). */
function counted(): { ctx: CoordinatorContext; tileRows: () => number } {
  let rows = 0;
  const db = t.ctx.db;
  const wrapped: Sql = {
    query: async <Row>(text: string, params?: unknown[]) => {
      const result = await db.query<Row>(text, params);
      if (/FROM tiles/.test(text) && !/max\(/.test(text)) rows += result.length;
      return result;
    },
    transaction: (fn) => db.transaction(fn),
    close: () => db.close(),
  };
  return { ctx: { ...t.ctx, db: wrapped }, tileRows: () => rows };
}

/** Reads SSE events off a stream: `next()` is the next `event:` with its parsed data. */
function events(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<{ event: string; data: JobView } | null> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) return { event, data: JSON.parse(data) as JobView };
          continue;
        }
        const { done, value } = await reader.read();
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

const job16 = { scene: 'cornell', width: 64, height: 64, samplesPerPixel: 4, tileSize: 16 };

describe('job event streams', () => {
  it('sends only the tiles that changed, reads no tile while nothing changed, and ends when the job is done', async () => {
    const job = await createJob(t.ctx, job16);
    const { ctx, tileRows } = counted();
    const slots = new EventStreamSlots(4, 8, 10);
    const controller = new AbortController();
    const stream = events(await jobEventStream(ctx, job.id, controller.signal, { origin: 'direct', slots }));
    const first = await stream.next();
    expect(first?.event).toBe('job');
    expect(first?.data.tiles).toHaveLength(16);
    const afterFirst = tileRows();

    // A notification without a change: one read of the job's version, no tile.
    notifyJobChanged(job.id);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tileRows()).toBe(afterFirst);

    // Two tiles move (as an accepted result would): the next event carries those two.
    await t.ctx.db.transaction(async (tx) => {
      await tx.query('UPDATE tiles SET samples_done = 2 WHERE job_id = $1 AND tile_index IN (3, 9)', [
        job.id,
      ]);
      await tx.query('UPDATE jobs SET version = version + 1, units_done = 2 WHERE id = $1', [job.id]);
    });
    notifyJobChanged(job.id);
    const delta = await stream.next();
    expect(delta?.event).toBe('job-delta');
    expect(delta?.data.tiles.map((tile) => [tile.index, tile.samplesDone])).toEqual([
      [3, 2],
      [9, 2],
    ]);
    expect(delta?.data.unitsDone).toBe(2);
    expect(tileRows() - afterFirst).toBe(2);

    // Done: the last delta, then the stream ends and gives its slot back.
    await t.ctx.db.query('UPDATE tiles SET samples_done = 4 WHERE job_id = $1 AND tile_index = 0', [job.id]);
    await t.ctx.db.query("UPDATE jobs SET version = version + 1, status = 'done' WHERE id = $1", [job.id]);
    notifyJobChanged(job.id);
    const last = await stream.next();
    expect(last?.data.status).toBe('done');
    expect(last?.data.tiles.map((tile) => tile.index)).toEqual([0]);
    expect(await stream.next()).toBeNull();
    expect(slots.stats.open).toBe(0);
  });

  it('refuses a stream past the cap per origin (429) and in all (503), and frees a slot when one closes', async () => {
    const job = await createJob(t.ctx, job16);
    const slots = new EventStreamSlots(2, 3, 10);
    const open = async (origin: string) => {
      const controller = new AbortController();
      const stream = await jobEventStream(t.ctx, job.id, controller.signal, { origin, slots });
      return { controller, stream };
    };
    const a1 = await open('a');
    await open('a');
    const tooMany = await open('a').catch((error) => error);
    expect(tooMany).toBeInstanceOf(RateLimitedError);
    expect(tooMany).toMatchObject({ status: 429, retryAfterSeconds: 10 });
    expect(tooMany.metaMessages[0]).toMatch(/poll GET \/api\/jobs\/:id/);
    await open('b');
    const full = await open('c').catch((error) => error);
    expect(full).toBeInstanceOf(OverloadedError);
    expect(full).toMatchObject({ status: 503 });

    a1.controller.abort();
    expect(slots.stats.open).toBe(2);
    const c = await open('c');
    c.controller.abort();
    // An unknown job takes no slot (nor keeps one).
    await expect(
      jobEventStream(t.ctx, 'nope', new AbortController().signal, { origin: 'd', slots }),
    ).rejects.toMatchObject({ status: 404 });
    expect(slots.stats.open).toBe(2);
  });
});
