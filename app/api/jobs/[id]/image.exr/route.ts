import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { jobImageResponse } from '@/lib/work/job-image-response';

export const dynamic = 'force-dynamic';

/** Linear mean radiance as OpenEXR (float32 RGB, lib/render/exr.ts), streamed band by band; ETag by job version. */
export const GET = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/image.exr'>) => {
    const { id } = await params;
    return jobImageResponse(await coordinator(), id, {
      kind: 'exr',
      ifNoneMatch: request.headers.get('if-none-match'),
      signal: request.signal,
    });
  },
);
