import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { RESULT_CHANNELS } from '@/lib/protocol/result-layout';
import { readAccumulation } from '@/lib/work/job-image';

export const dynamic = 'force-dynamic';

/** The raw per-pixel sums (float64 LE; r, g, b, luminance², count per pixel; row-major), for tools and tests. */
export const GET = withErrors(
  async (_request: Request, { params }: RouteContext<'/api/jobs/[id]/accumulation'>) => {
    const { id } = await params;
    const { width, height, sums } = await readAccumulation(await coordinator(), id);
    return new Response(sums.buffer, {
      headers: {
        'content-type': 'application/octet-stream',
        'cache-control': 'no-store',
        'x-lumengrid-layout': `float64le;width=${width};height=${height};channels=${RESULT_CHANNELS};order=r,g,b,luminance_sq,count`,
      },
    });
  },
);
