import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { jobImageResponse } from '@/lib/work/job-image-response';

export const dynamic = 'force-dynamic';

/**
 * The raw per-pixel sums (float64 LE; r, g, b, luminance², count per pixel; row-major), for tools and tests:
 * streamed a band of tiles at a time, with Content-Length; ETag by job version.
 */
export const GET = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/accumulation'>) => {
    const { id } = await params;
    return jobImageResponse(await coordinator(), id, {
      kind: 'accumulation',
      ifNoneMatch: request.headers.get('if-none-match'),
      signal: request.signal,
    });
  },
);
