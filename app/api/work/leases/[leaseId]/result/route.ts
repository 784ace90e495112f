import { SESSION_HEADER } from '@/lib/core/api-types';
import { resultByteLength } from '@/lib/core/result-layout';
import { SIGNATURE_HEADER } from '@/lib/core/session-signature';
import { coordinator } from '@/lib/server/coordinator';
import { readBody, withErrors } from '@/lib/server/http';
import { limiter } from '@/lib/server/rate-limit';
import { verifyResultSignature } from '@/lib/server/session-keys';
import { submitResult } from '@/lib/server/submit-result';

export const dynamic = 'force-dynamic';

/** The largest result a unit can have: one 256 x 256 tile (JobRequestSchema caps tileSize at 256). */
const MAX_RESULT_BYTES = resultByteLength({ width: 256, height: 256 });

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
