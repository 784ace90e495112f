import { withErrors } from '@/lib/coordinator/http';
import { isSecureRequest, readCredential } from '@/lib/coordinator/owner-credential';
import { coordinator } from '@/lib/instance/coordinator';
import { InvalidRequestError } from '@/lib/protocol/errors';
import { ImagePngQuerySchema, parseFrameParam } from '@/lib/protocol/image-query';
import { IMAGE_LIMITS } from '@/lib/protocol/limits';
import { jobImageResponse } from '@/lib/work/job-image-response';
import { asReaderResponse, requireJobReader } from '@/lib/work/job-owner';

export const dynamic = 'force-dynamic';

/** One animation frame's tone-mapped image (or `?maxSize=N` preview), as /api/jobs/:id/image.png is a still's. */
export const GET = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/frames/[frame]/image.png'>) => {
    const { id, frame: rawFrame } = await params;
    const frame = parseFrameParam(rawFrame);
    const url = new URL(request.url);
    const query = ImagePngQuerySchema.safeParse({ maxSize: url.searchParams.get('maxSize') ?? undefined });
    if (!query.success) {
      throw new InvalidRequestError('The image query is invalid', {
        metaMessages: [`maxSize is a whole number of pixels from 1 to ${IMAGE_LIMITS.maxPreviewSize}.`],
        details: query.error.flatten(),
      });
    }
    const ctx = await coordinator();
    // A private job's frames: its owner's token (header, or the cookie an <img> sends).
    const reader = await requireJobReader(ctx, id, readCredential(request));
    const response = await jobImageResponse(ctx, id, {
      kind: 'png',
      frame,
      maxSize: query.data.maxSize,
      ifNoneMatch: request.headers.get('if-none-match'),
      signal: request.signal,
    });
    return asReaderResponse(response, reader, isSecureRequest(request));
  },
);
