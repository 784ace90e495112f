import { withErrors } from '@/lib/coordinator/http';
import { pngImageResponse } from '../png-image-handler';

export const dynamic = 'force-dynamic';

/**
 * The tone-mapped image: full size (streamed), or with `?maxSize=N` a preview at most N pixels on its longer
 * side, averaged down from the tiles. ETag by job version; `?v=` is only there to change the URL.
 */
export const GET = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/image.png'>) =>
    pngImageResponse(request, (await params).id),
);
