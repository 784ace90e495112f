import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { contributorView } from '@/lib/work/contributor-view';

export const dynamic = 'force-dynamic';

export const GET = withErrors(
  async (_request: Request, { params }: RouteContext<'/api/contributors/[sessionId]'>) => {
    const { sessionId } = await params;
    const ctx = await coordinator();
    return Response.json(await contributorView(ctx.db, sessionId));
  },
);
