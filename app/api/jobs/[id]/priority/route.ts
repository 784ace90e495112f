import { clientOrigin } from '@/lib/coordinator/client-origin';
import { readJson, withErrors } from '@/lib/coordinator/http';
import { bearerToken, walletProof } from '@/lib/coordinator/owner-credential';
import { originKey, takeRateLimit } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { setJobPriority } from '@/lib/work/job-control';

export const dynamic = 'force-dynamic';

/** `{ priority }` (JobPriorityRequestSchema): the job's order among its owner's jobs. Bearer token only. */
export const POST = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/priority'>) => {
    const { id } = await params;
    await takeRateLimit(
      await coordinator(),
      'jobControlPerOrigin',
      originKey(clientOrigin(request)),
      'job controls',
    );
    const token = bearerToken(request);
    const body = await readJson(request);
    const job = await setJobPriority(
      await coordinator(),
      id,
      body,
      token === null ? null : { token, from: 'header' },
      walletProof(request),
    );
    return Response.json(job);
  },
);
