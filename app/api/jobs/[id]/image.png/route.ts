import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { InvalidRequestError } from '@/lib/protocol/errors';
import { ImagePngQuerySchema } from '@/lib/protocol/image-query';
import { IMAGE_LIMITS } from '@/lib/protocol/limits';
import { jobImageResponse } from '@/lib/work/job-image-response';

export const dynamic = 'force-dynamic';

/**
 * The tone-mapped image: full size (streamed), or with `?maxSize=N` a preview at most N pixels on its longer
 * side, averaged down from the tiles. ETag by job version; `?v=` is only there to change the URL.
 */
export const GET = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/image.png'>) => {
    const { id } = await params;
    const url = new URL(request.url);
    const query = ImagePngQuerySchema.safeParse({ maxSize: url.searchParams.get('maxSize') ?? undefined });
    if (!query.success) {
      throw new InvalidRequestError('The image query is invalid', {
        metaMessages: [`maxSize is a whole number of pixels from 1 to ${IMAGE_LIMITS.maxPreviewSize}.`],
        details: query.error.flatten(),
      });
    }
    return jobImageResponse(await coordinator(), id, {
      kind: 'png',
      maxSize: query.data.maxSize,
      ifNoneMatch: request.headers.get('if-none-match'),
      signal: request.signal,
    });
  },
);
