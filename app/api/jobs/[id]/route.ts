import { coordinator } from '@/lib/server/coordinator';
import { withErrors } from '@/lib/server/http';
import { getJob } from '@/lib/server/jobs';

export const dynamic = 'force-dynamic';

export const GET = withErrors(async (_request: Request, { params }: RouteContext<'/api/jobs/[id]'>) => {
  const { id } = await params;
  return Response.json(await getJob(await coordinator(), id));
});
