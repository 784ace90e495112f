import { coordinator } from '@/lib/server/coordinator';
import { readJson, withErrors } from '@/lib/server/http';
import { bindPayoutAddress } from '@/lib/server/payments/payout-address';
import { limiter } from '@/lib/server/rate-limit';

export const dynamic = 'force-dynamic';

export const POST = withErrors(
  async (request: Request, { params }: RouteContext<'/api/contributors/[sessionId]/payout-address'>) => {
    const { sessionId } = await params;
    limiter('walletPerOrigin').take(`payout:${sessionId}`, 'payout address requests for this session');
    const bound = await bindPayoutAddress(await coordinator(), sessionId, await readJson(request));
    return Response.json(bound, { status: bound.alreadyBound ? 200 : 201 });
  },
);
