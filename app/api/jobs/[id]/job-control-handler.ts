import { clientOrigin } from '@/lib/coordinator/client-origin';
import { withErrors } from '@/lib/coordinator/http';
import { bearerToken, walletProof } from '@/lib/coordinator/owner-credential';
import { originKey, takeRateLimit } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { controlJob } from '@/lib/work/job-control';

/**
 * POST /api/jobs/:id/{cancel,pause,resume}: the owner moves the job (lib/work/job-control.ts) with
 * `authorization: Bearer <ownerToken>` (never the cookie), or a paid job's wallet signature
 * (x-lumengrid-owner-signature). One handler for the three, which differ only in the action.
 */
export function jobControlHandler(action: 'cancel' | 'pause' | 'resume') {
  return withErrors(async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    await takeRateLimit(
      await coordinator(),
      'jobControlPerOrigin',
      originKey(clientOrigin(request)),
      'job controls',
    );
    const token = bearerToken(request);
    const job = await controlJob(
      await coordinator(),
      id,
      action,
      token === null ? null : { token, from: 'header' },
      walletProof(request),
    );
    return Response.json(job);
  });
}
