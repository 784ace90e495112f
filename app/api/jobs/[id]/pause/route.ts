import { clientOrigin } from '@/lib/coordinator/client-origin';
import { withErrors } from '@/lib/coordinator/http';
import { bearerToken, walletProof } from '@/lib/coordinator/owner-credential';
import { originKey, takeRateLimit } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { controlJob } from '@/lib/work/job-control';

export const dynamic = 'force-dynamic';

/** The owner pauses the job (lib/work/job-control.ts): `authorization: Bearer <ownerToken>` (never the cookie), or a paid job's wallet signature (x-lumengrid-owner-signature). */
export const POST = withErrors(async (request: Request, { params }: RouteContext<'/api/jobs/[id]/pause'>) => {
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
    'pause',
    token === null ? null : { token, from: 'header' },
    walletProof(request),
  );
  return Response.json(job);
});
