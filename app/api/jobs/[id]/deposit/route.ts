import { readJson, withErrors } from '@/lib/coordinator/http';
import { isSecureRequest, readCredential } from '@/lib/coordinator/owner-credential';
import { coordinator } from '@/lib/instance/coordinator';
import { confirmJobDeposit } from '@/lib/settlement/job-payment';
import { asReaderResponse, requireJobReader } from '@/lib/work/job-owner';
import { getJob } from '@/lib/work/jobs';

export const dynamic = 'force-dynamic';

/**
 * The requestor's tab says "I deposited" (optionally with the transaction hash); the chain decides. It
 * answers the job, so a private one needs its owner's token (the cookie the dashboard's fetch sends).
 */
export const POST = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/deposit'>) => {
    const { id } = await params;
    const ctx = await coordinator();
    const reader = await requireJobReader(ctx, id, readCredential(request));
    await confirmJobDeposit(ctx, id, await readJson(request));
    return asReaderResponse(Response.json(await getJob(ctx, id)), reader, isSecureRequest(request));
  },
);
