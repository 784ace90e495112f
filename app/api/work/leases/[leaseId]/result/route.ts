import { readBody, withErrors } from '@/lib/coordinator/http';
import { coordinatorMetrics, timed } from '@/lib/coordinator/metrics';
import { takeRateLimit } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { SESSION_HEADER } from '@/lib/protocol/api-types';
import { SIGNATURE_HEADER } from '@/lib/protocol/session-signature';
import { verifyResultSignature } from '@/lib/work/session-keys';
import { MAX_LEASE_RESULT_BYTES, submitResult } from '@/lib/work/submit-result';

export const dynamic = 'force-dynamic';

export const PUT = withErrors(
  async (request: Request, { params }: RouteContext<'/api/work/leases/[leaseId]/result'>) => {
    const { leaseId } = await params;
    const body = await readBody(request, MAX_LEASE_RESULT_BYTES);
    const sessionId = request.headers.get(SESSION_HEADER) ?? '';
    await takeRateLimit(await coordinator(), 'submitPerSession', sessionId, 'results from this session');
    const ctx = await coordinator();
    await verifyResultSignature(ctx.db, {
      sessionId,
      leaseId,
      body,
      signature: request.headers.get(SIGNATURE_HEADER),
    });
    const metrics = coordinatorMetrics();
    const outcome = await timed(metrics.submitSeconds, () => submitResult(ctx, { leaseId, sessionId, body }));
    metrics.results.inc({ outcome: 'taken' });
    return Response.json(outcome);
  },
);
