import { clientOrigin } from '@/lib/coordinator/client-origin';
import { readJson, withErrors } from '@/lib/coordinator/http';
import { coordinatorMetrics, timed } from '@/lib/coordinator/metrics';
import { takeRateLimit } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { VERIFIER_TOKEN_HEADER } from '@/lib/protocol/api-types';
import { admitTrustedVerifier } from '@/lib/verification/verifier-token';
import { leaseUnit } from '@/lib/work/lease-unit';

export const dynamic = 'force-dynamic';

export const POST = withErrors(async (request: Request) => {
  const body = await readJson(request, 1024);
  const sessionId = (body as { sessionId?: unknown }).sessionId;
  await takeRateLimit(
    await coordinator(),
    'leasePerSession',
    typeof sessionId === 'string' ? sessionId : '',
    'lease requests from this session',
  );
  const ctx = await coordinator();
  // The operator's verifier token, when sent, makes this session a trusted verifier (a wrong one is a 401).
  await admitTrustedVerifier(ctx, request.headers.get(VERIFIER_TOKEN_HEADER), body);
  const metrics = coordinatorMetrics();
  const lease = await timed(metrics.leaseSeconds, () =>
    leaseUnit(ctx, body, { origin: clientOrigin(request) }),
  );
  metrics.leases.inc({ outcome: lease ? 'work' : 'none' });
  return lease ? Response.json(lease) : new Response(null, { status: 204 });
});
