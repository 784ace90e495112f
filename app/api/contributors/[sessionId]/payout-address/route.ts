import { coordinator } from '@/lib/server/coordinator';
import { readJson, withErrors } from '@/lib/server/http';
import { bindPayoutAddress } from '@/lib/server/payments/payout-address';

export const dynamic = 'force-dynamic';

export const POST = withErrors(
  async (request: Request, { params }: RouteContext<'/api/contributors/[sessionId]/payout-address'>) => {
    const { sessionId } = await params;
    const bound = await bindPayoutAddress(await coordinator(), sessionId, await readJson(request));
    return Response.json(bound, { status: bound.alreadyBound ? 200 : 201 });
  },
);
