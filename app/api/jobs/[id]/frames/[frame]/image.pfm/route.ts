import { withErrors } from '@/lib/coordinator/http';
import { isSecureRequest, readCredential } from '@/lib/coordinator/owner-credential';
import { coordinator } from '@/lib/instance/coordinator';
import { parseFrameParam } from '@/lib/protocol/image-query';
import { jobImageResponse } from '@/lib/work/job-image-response';
import { asReaderResponse, requireJobReader } from '@/lib/work/job-owner';

export const dynamic = 'force-dynamic';

/** One animation frame's linear mean radiance (pfm), as /api/jobs/:id/image.pfm is a still's. */
export const GET = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/frames/[frame]/image.pfm'>) => {
    const { id, frame: rawFrame } = await params;
    const frame = parseFrameParam(rawFrame);
    const ctx = await coordinator();
    // A private job's frames: its owner's token (header, or the cookie an <img> sends).
    const reader = await requireJobReader(ctx, id, readCredential(request));
    const response = await jobImageResponse(ctx, id, {
      kind: 'pfm',
      frame,
      ifNoneMatch: request.headers.get('if-none-match'),
      signal: request.signal,
    });
    return asReaderResponse(response, reader, isSecureRequest(request));
  },
);
