import { coordinator } from '@/lib/server/coordinator';
import { clientOrigin, readJson, withErrors } from '@/lib/server/http';
import { leaseUnit } from '@/lib/server/lease-unit';

export const dynamic = 'force-dynamic';

export const POST = withErrors(async (request: Request) => {
  const lease = await leaseUnit(await coordinator(), await readJson(request, 1024), {
    origin: clientOrigin(request),
  });
  return lease ? Response.json(lease) : new Response(null, { status: 204 });
});
