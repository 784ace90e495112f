import { clientOrigin } from '@/lib/coordinator/client-origin';
import { withErrors } from '@/lib/coordinator/http';
import { originKey } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { jobEventStream } from '@/lib/work/job-event-stream';

export const dynamic = 'force-dynamic';

/** The job's Server-Sent Events (lib/work/job-event-stream.ts); capped per origin (429) and in all (503). */
export const GET = withErrors(async (request: Request, { params }: RouteContext<'/api/jobs/[id]/events'>) => {
  const { id } = await params;
  const stream = await jobEventStream(await coordinator(), id, request.signal, {
    origin: originKey(clientOrigin(request)),
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells reverse proxies (nginx) not to buffer the stream.
      'x-accel-buffering': 'no',
    },
  });
});
