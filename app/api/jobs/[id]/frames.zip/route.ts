import { withErrors } from '@/lib/coordinator/http';
import { isSecureRequest, readCredential } from '@/lib/coordinator/owner-credential';
import { coordinator } from '@/lib/instance/coordinator';
import { framesZipResponse } from '@/lib/work/job-frames-zip';
import { asReaderResponse, requireJobReader } from '@/lib/work/job-owner';

export const dynamic = 'force-dynamic';

/** Every frame of an animation job as PNGs in one zip, streamed frame by frame (bounded memory). */
export const GET = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/frames.zip'>) => {
    const { id } = await params;
    const ctx = await coordinator();
    // A private job's frames: its owner's token (header, or the cookie a download link sends).
    const reader = await requireJobReader(ctx, id, readCredential(request));
    const response = await framesZipResponse(ctx, id, request.signal);
    return asReaderResponse(response, reader, isSecureRequest(request));
  },
);
