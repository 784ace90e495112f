import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { resolveEnvironmentMap } from '@/lib/work/environment-store';

export const dynamic = 'force-dynamic';

/** An environment map's summary (hash, size, name) by built-in name or hash. */
export const GET = withErrors(
  async (_request: Request, { params }: RouteContext<'/api/environments/[ref]/summary'>) => {
    const { ref } = await params;
    return Response.json(await resolveEnvironmentMap(await coordinator(), ref));
  },
);
