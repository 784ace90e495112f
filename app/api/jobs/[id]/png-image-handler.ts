import { isSecureRequest, readCredential } from '@/lib/coordinator/owner-credential';
import { coordinator } from '@/lib/instance/coordinator';
import { InvalidRequestError } from '@/lib/protocol/errors';
import { ImagePngQuerySchema } from '@/lib/protocol/image-query';
import { IMAGE_LIMITS } from '@/lib/protocol/limits';
import { jobImageResponse } from '@/lib/work/job-image-response';
import { asReaderResponse, requireJobReader } from '@/lib/work/job-owner';

/**
 * GET of a job's tone-mapped PNG, a still's or one animation frame's (`frame`): full size (streamed), or with
 * `?maxSize=N` a preview at most N pixels on its longer side. A private job's image needs its owner's token
 * (header, or the cookie an <img> sends). The two routes differ only in the frame.
 */
export async function pngImageResponse(request: Request, id: string, frame?: number): Promise<Response> {
  const url = new URL(request.url);
  const query = ImagePngQuerySchema.safeParse({ maxSize: url.searchParams.get('maxSize') ?? undefined });
  if (!query.success) {
    throw new InvalidRequestError('The image query is invalid', {
      metaMessages: [`maxSize is a whole number of pixels from 1 to ${IMAGE_LIMITS.maxPreviewSize}.`],
      details: query.error.flatten(),
    });
  }
  const ctx = await coordinator();
  const reader = await requireJobReader(ctx, id, readCredential(request));
  const response = await jobImageResponse(ctx, id, {
    kind: 'png',
    ...(frame !== undefined && { frame }),
    maxSize: query.data.maxSize,
    ifNoneMatch: request.headers.get('if-none-match'),
    signal: request.signal,
  });
  return asReaderResponse(response, reader, isSecureRequest(request));
}
