import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { renderJobPng } from '@/lib/work/job-image';

export const dynamic = 'force-dynamic';

export const GET = withErrors(
  async (_request: Request, { params }: RouteContext<'/api/jobs/[id]/image.png'>) => {
    const { id } = await params;
    const png = await renderJobPng(await coordinator(), id);
    return new Response(Buffer.from(png), {
      headers: {
        'content-type': 'image/png',
        'cache-control': 'no-store',
        'content-disposition': `inline; filename="lumengrid-${id}.png"`,
      },
    });
  },
);
