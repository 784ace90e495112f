import { withErrors } from '@/lib/coordinator/http';
import { parseFrameParam } from '@/lib/protocol/image-query';
import { pngImageResponse } from '../../../png-image-handler';

export const dynamic = 'force-dynamic';

/** One animation frame's tone-mapped image (or `?maxSize=N` preview), as /api/jobs/:id/image.png is a still's. */
export const GET = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/frames/[frame]/image.png'>) => {
    const { id, frame } = await params;
    return pngImageResponse(request, id, parseFrameParam(frame));
  },
);
