import type { CoordinatorContext } from '../coordinator/context';
import { onJobChanged } from '../coordinator/job-events';
import type { JobView } from '../protocol/api-types';
import { getJob } from './jobs';

const POLL_MS = 2_000;
const HEARTBEAT_MS = 15_000;

/**
 * A Server-Sent Events stream of a job's progress: `event: job` with the JobView now, then again after
 * every change, ending after the job is done. Changes are coalesced: a burst of accepted results sends one
 * event per database read, never a backlog. Throws NotFoundError before streaming for an unknown job.
 */
export async function jobEventStream(
  ctx: CoordinatorContext,
  jobId: string,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const first = await getJob(ctx, jobId);
  const encoder = new TextEncoder();
  let stop = () => {};

  return new ReadableStream<Uint8Array>({
    start(controller) {
      let lastVersion = -1;
      let reading = false;
      let dirty = false;
      let closed = false;

      const send = (job: JobView) => {
        if (closed || job.version === lastVersion) return;
        lastVersion = job.version;
        controller.enqueue(encoder.encode(`event: job\ndata: ${JSON.stringify(job)}\n\n`));
        if (job.status === 'done') stop();
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
            send(await getJob(ctx, jobId));
          } while (dirty && !closed);
        } catch (error) {
          console.error('[lumengrid] job event stream', error);
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
        unsubscribe();
        clearInterval(poll);
        clearInterval(heartbeat);
        signal.removeEventListener('abort', stop);
        controller.close();
      };
      signal.addEventListener('abort', stop);
      controller.enqueue(encoder.encode('retry: 2000\n\n'));
      send(first);
    },
    cancel() {
      stop();
    },
  });
}
