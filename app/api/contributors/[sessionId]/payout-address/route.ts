import { readJson, withErrors } from '@/lib/coordinator/http';
import { takeRateLimit } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { bindPayoutAddress } from '@/lib/settlement/payout-address';

export const dynamic = 'force-dynamic';

export const POST = withErrors(
  async (request: Request, { params }: RouteContext<'/api/contributors/[sessionId]/payout-address'>) => {
    const { sessionId } = await params;
    await takeRateLimit(
      await coordinator(),
      'walletPerOrigin',
      `payout:${sessionId}`,
      'payout address requests for this session',
    );
    const bound = await bindPayoutAddress(await coordinator(), sessionId, await readJson(request));
    return Response.json(bound, { status: bound.alreadyBound ? 200 : 201 });
  },
);
