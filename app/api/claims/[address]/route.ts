import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { claimsView } from '@/lib/settlement/claims';

export const dynamic = 'force-dynamic';

export const GET = withErrors(
  async (_request: Request, { params }: RouteContext<'/api/claims/[address]'>) => {
    const { address } = await params;
    return Response.json(await claimsView(await coordinator(), address));
  },
);
