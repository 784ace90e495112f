import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { jobEventStream } from '@/lib/work/job-event-stream';

export const dynamic = 'force-dynamic';

export const GET = withErrors(async (request: Request, { params }: RouteContext<'/api/jobs/[id]/events'>) => {
  const { id } = await params;
  const stream = await jobEventStream(await coordinator(), id, request.signal);
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
