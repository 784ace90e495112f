import { withErrors } from '@/lib/coordinator/http';
import { isSecureRequest, readCredential } from '@/lib/coordinator/owner-credential';
import { coordinator } from '@/lib/instance/coordinator';
import { jobImageResponse } from '@/lib/work/job-image-response';
import { asReaderResponse, requireJobReader } from '@/lib/work/job-owner';

export const dynamic = 'force-dynamic';

/** Linear mean radiance as a Portable Float Map, streamed band by band; ETag by job version. */
export const GET = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/image.pfm'>) => {
    const { id } = await params;
    const ctx = await coordinator();
    // A private job's image: its owner's token (header, or the cookie an <img> sends).
    const reader = await requireJobReader(ctx, id, readCredential(request));
    const response = await jobImageResponse(ctx, id, {
      kind: 'pfm',
      ifNoneMatch: request.headers.get('if-none-match'),
      signal: request.signal,
    });
    return asReaderResponse(response, reader, isSecureRequest(request));
  },
);
