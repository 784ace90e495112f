import { withErrors } from '@/lib/coordinator/http';
import { isSecureRequest, readCredential } from '@/lib/coordinator/owner-credential';
import { coordinator } from '@/lib/instance/coordinator';
import { jobImageResponse } from '@/lib/work/job-image-response';
import { asReaderResponse, requireJobReader } from '@/lib/work/job-owner';

export const dynamic = 'force-dynamic';

/**
 * The raw per-pixel sums (float64 LE; r, g, b, luminance², count per pixel; row-major), for tools and tests:
 * streamed a band of tiles at a time, with Content-Length; ETag by job version.
 */
export const GET = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/accumulation'>) => {
    const { id } = await params;
    const ctx = await coordinator();
    // A private job's image: its owner's token (header, or the cookie an <img> sends).
    const reader = await requireJobReader(ctx, id, readCredential(request));
    const response = await jobImageResponse(ctx, id, {
      kind: 'accumulation',
      ifNoneMatch: request.headers.get('if-none-match'),
      signal: request.signal,
    });
    return asReaderResponse(response, reader, isSecureRequest(request));
  },
);
