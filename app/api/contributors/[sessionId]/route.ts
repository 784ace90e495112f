import { contributorView } from '@/lib/server/contributors';
import { coordinator } from '@/lib/server/coordinator';
import { withErrors } from '@/lib/server/http';

export const dynamic = 'force-dynamic';

export const GET = withErrors(
  async (_request: Request, { params }: RouteContext<'/api/contributors/[sessionId]'>) => {
    const { sessionId } = await params;
    const ctx = await coordinator();
    return Response.json(await contributorView(ctx.db, sessionId));
  },
);
