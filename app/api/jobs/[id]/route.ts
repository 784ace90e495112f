import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { getJob } from '@/lib/work/jobs';

export const dynamic = 'force-dynamic';

export const GET = withErrors(async (_request: Request, { params }: RouteContext<'/api/jobs/[id]'>) => {
  const { id } = await params;
  return Response.json(await getJob(await coordinator(), id));
});
