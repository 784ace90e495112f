import { clientOrigin } from '@/lib/coordinator/client-origin';
import { withErrors } from '@/lib/coordinator/http';
import { readCredential } from '@/lib/coordinator/owner-credential';
import { originKey } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { jobEventStream } from '@/lib/work/job-event-stream';
import { requireJobReader } from '@/lib/work/job-owner';

export const dynamic = 'force-dynamic';

/** The job's Server-Sent Events (lib/work/job-event-stream.ts); capped per origin (429) and in all (503). */
export const GET = withErrors(async (request: Request, { params }: RouteContext<'/api/jobs/[id]/events'>) => {
  const { id } = await params;
  const ctx = await coordinator();
  // A private job's events: its owner's cookie (EventSource sends no headers) or Bearer header.
  const reader = await requireJobReader(ctx, id, readCredential(request));
  const stream = await jobEventStream(ctx, id, request.signal, {
    origin: originKey(clientOrigin(request)),
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': reader.private ? 'private, no-cache, no-transform' : 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells reverse proxies (nginx) not to buffer the stream.
      'x-accel-buffering': 'no',
    },
  });
});
