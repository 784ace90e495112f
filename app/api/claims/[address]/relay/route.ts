import { clientOrigin } from '@/lib/coordinator/client-origin';
import { readJson, withErrors } from '@/lib/coordinator/http';
import { originKey, takeRateLimit } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { relayClaim } from '@/lib/settlement/relay';

export const dynamic = 'force-dynamic';

export const POST = withErrors(
  async (request: Request, { params }: RouteContext<'/api/claims/[address]/relay'>) => {
    const ctx = await coordinator();
    await takeRateLimit(ctx, 'relayPerOrigin', originKey(clientOrigin(request)), 'relayed claims');
    const { address } = await params;
    return Response.json(await relayClaim(ctx, address, await readJson(request)));
  },
);
