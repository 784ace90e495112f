import { coordinator } from '@/lib/server/coordinator';
import { readJson, withErrors } from '@/lib/server/http';
import { getJob } from '@/lib/server/jobs';
import { confirmJobDeposit } from '@/lib/server/payments/job-payment';

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
