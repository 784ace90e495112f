import { withErrors } from '@/lib/coordinator/http';
import { takeRateLimit } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { SESSION_HEADER } from '@/lib/protocol/api-types';
import { releaseLease } from '@/lib/work/release-lease';

export const dynamic = 'force-dynamic';

/** Gives a held lease back before it lapses (a paused contributor's unit leased ahead). */
export const DELETE = withErrors(
  async (request: Request, { params }: RouteContext<'/api/work/leases/[leaseId]'>) => {
    const { leaseId } = await params;
    const sessionId = request.headers.get(SESSION_HEADER) ?? '';
    await takeRateLimit(
      await coordinator(),
      'leasePerSession',
      sessionId,
      'lease requests from this session',
    );
    return Response.json(await releaseLease(await coordinator(), { leaseId, sessionId }));
  },
);
