import { coordinator } from '@/lib/server/coordinator';
import { withErrors } from '@/lib/server/http';
import { claimsView } from '@/lib/server/payments/claims';

export const dynamic = 'force-dynamic';

export const GET = withErrors(
  async (_request: Request, { params }: RouteContext<'/api/claims/[address]'>) => {
    const { address } = await params;
    return Response.json(await claimsView(await coordinator(), address));
  },
);
