import { readJson, withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { confirmJobDeposit } from '@/lib/settlement/job-payment';
import { getJob } from '@/lib/work/jobs';

export const dynamic = 'force-dynamic';

/** The requestor's tab says "I deposited" (optionally with the transaction hash); the chain decides. */
export const POST = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/deposit'>) => {
    const { id } = await params;
    const ctx = await coordinator();
    await confirmJobDeposit(ctx, id, await readJson(request));
    return Response.json(await getJob(ctx, id));
  },
);
