import { readBody, withErrors } from '@/lib/coordinator/http';
import { limiter } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { SESSION_HEADER } from '@/lib/protocol/api-types';
import { MAX_UNIT_PIXELS } from '@/lib/protocol/limits';
import { resultByteLength } from '@/lib/protocol/result-layout';
import { SIGNATURE_HEADER } from '@/lib/protocol/session-signature';
import { verifyResultSignature } from '@/lib/work/session-keys';
import { submitResult } from '@/lib/work/submit-result';

export const dynamic = 'force-dynamic';

const MAX_RESULT_BYTES = resultByteLength({ width: MAX_UNIT_PIXELS, height: 1 });

export const PUT = withErrors(
  async (request: Request, { params }: RouteContext<'/api/work/leases/[leaseId]/result'>) => {
    const { leaseId } = await params;
    const body = await readBody(request, MAX_RESULT_BYTES);
    const sessionId = request.headers.get(SESSION_HEADER) ?? '';
    limiter('submitPerSession').take(sessionId, 'results from this session');
    const ctx = await coordinator();
    await verifyResultSignature(ctx.db, {
      sessionId,
      leaseId,
      body,
      signature: request.headers.get(SIGNATURE_HEADER),
    });
    return Response.json(await submitResult(ctx, { leaseId, sessionId, body }));
  },
);
