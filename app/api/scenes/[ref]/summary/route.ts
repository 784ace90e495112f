import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { resolveScene } from '@/lib/work/scene-store';

export const dynamic = 'force-dynamic';

/** A scene's summary (hash, counts, camera, warnings, default environment) by built-in id or hash. */
export const GET = withErrors(
  async (_request: Request, { params }: RouteContext<'/api/scenes/[ref]/summary'>) => {
    const { ref } = await params;
    return Response.json(await resolveScene(await coordinator(), ref));
  },
);
