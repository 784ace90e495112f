import { clientOrigin } from '@/lib/coordinator/client-origin';
import { readJson, withErrors } from '@/lib/coordinator/http';
import { limiter } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { leaseUnit } from '@/lib/work/lease-unit';

export const dynamic = 'force-dynamic';

export const POST = withErrors(async (request: Request) => {
  const body = await readJson(request, 1024);
  const sessionId = (body as { sessionId?: unknown }).sessionId;
  limiter('leasePerSession').take(
    typeof sessionId === 'string' ? sessionId : '',
    'lease requests from this session',
  );
  const lease = await leaseUnit(await coordinator(), body, { origin: clientOrigin(request) });
  return lease ? Response.json(lease) : new Response(null, { status: 204 });
});
