import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { renderJobPfm } from '@/lib/work/job-image';

export const dynamic = 'force-dynamic';

export const GET = withErrors(
  async (_request: Request, { params }: RouteContext<'/api/jobs/[id]/image.pfm'>) => {
    const { id } = await params;
    const pfm = await renderJobPfm(await coordinator(), id);
    return new Response(Buffer.from(pfm), {
      headers: {
        'content-type': 'application/x-portable-floatmap',
        'cache-control': 'no-store',
        'content-disposition': `attachment; filename="lumengrid-${id}.pfm"`,
      },
    });
  },
);
