import type { CoordinatorContext } from '../coordinator/context';
import { onJobChanged } from '../coordinator/job-events';
import { log } from '../coordinator/log';
import { isFinalStatus, type JobView } from '../protocol/api-types';
import { type EventStreamSlots, eventStreamSlots } from './event-stream-slots';
import { getJob, getJobSummary, lastTileChange, tilesChangedSince } from './jobs';

const POLL_MS = 2_000;
const HEARTBEAT_MS = 15_000;

export interface JobEventStreamOptions {
  /** The client's originKey (lib/coordinator/rate-limit.ts): streams per origin are capped. */
  origin: string;
  slots?: EventStreamSlots;
}

/**
 * A Server-Sent Events stream of a job's progress: `event: job` with the whole JobView first, then after
 * every change `event: job-delta`, a JobView whose `tiles` holds only the tiles that changed since the last
 * event (merge them by index: lib/dashboard/job-delta.ts). Ends after the job is done.
 *
 * What a stream costs while nothing happens: a read of the job's version every 2 s (and on each in-process
 * change notification); only when it moved, the job's row and the tiles whose change number passed the
 * last one sent (migration 12). Changes are coalesced: a burst of results sends one event per read.
 *
 * Takes a slot (EventStreamSlots) first and gives it back when the stream ends: throws RateLimitedError or
 * OverloadedError past the caps, NotFoundError for an unknown job, all before streaming.
 */
export async function jobEventStream(
  ctx: CoordinatorContext,
  jobId: string,
  signal: AbortSignal,
  { origin, slots = eventStreamSlots() }: JobEventStreamOptions,
): Promise<ReadableStream<Uint8Array>> {
  const release = slots.take(origin);
  let first: JobView;
  let lastSeq: number;
  try {
    // The change number first: a tile changed in between is sent again, never missed.
    lastSeq = await lastTileChange(ctx, jobId);
    first = await getJob(ctx, jobId);
  } catch (error) {
    release();
    throw error;
  }
  const encoder = new TextEncoder();
  let stop = () => {};

  return new ReadableStream<Uint8Array>({
    start(controller) {
      let lastVersion = first.version;
      let reading = false;
      let dirty = false;
      let closed = false;

      const send = (event: 'job' | 'job-delta', job: JobView) => {
        if (closed) return;
        lastVersion = job.version;
        controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(job)}\n\n`));
        if (isFinalStatus(job.status)) stop();
      };
      const readChanges = async () => {
        const [head] = await ctx.db.query<{ version: number }>('SELECT version FROM jobs WHERE id = $1', [
          jobId,
        ]);
        if (!head || head.version === lastVersion) return;
        const summary = await getJobSummary(ctx, jobId);
        const changed = await tilesChangedSince(ctx, jobId, lastSeq);
        lastSeq = changed.last;
        send('job-delta', { ...summary, tiles: changed.tiles });
      };
      const refresh = async () => {
        if (reading) {
          dirty = true;
          return;
        }
        reading = true;
        try {
          do {
            dirty = false;
            await readChanges();
          } while (dirty && !closed);
        } catch (error) {
          log.error({ err: error, jobId }, 'job event stream');
        } finally {
          reading = false;
        }
      };

      const unsubscribe = onJobChanged(jobId, () => void refresh());
      const poll = setInterval(() => void refresh(), POLL_MS);
      const heartbeat = setInterval(() => {
        if (!closed) controller.enqueue(encoder.encode(': keep-alive\n\n'));
      }, HEARTBEAT_MS);
      stop = () => {
        if (closed) return;
        closed = true;
        release();
        unsubscribe();
        clearInterval(poll);
        clearInterval(heartbeat);
        signal.removeEventListener('abort', stop);
        controller.close();
      };
      signal.addEventListener('abort', stop);
      controller.enqueue(encoder.encode('retry: 2000\n\n'));
      send('job', first);
    },
    cancel() {
      stop();
    },
  });
}
