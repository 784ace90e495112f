import { withErrors } from '@/lib/coordinator/http';
import { isSecureRequest, readCredential } from '@/lib/coordinator/owner-credential';
import { coordinator } from '@/lib/instance/coordinator';
import { asReaderResponse, requireJobReader } from '@/lib/work/job-owner';
import { jobProgressHistory } from '@/lib/work/job-progress-history';

export const dynamic = 'force-dynamic';

/** The coordinator's samples of the job's progress (JobProgressHistorySchema), for the ETA and the chart. */
export const GET = withErrors(
  async (request: Request, { params }: RouteContext<'/api/jobs/[id]/progress'>) => {
    const { id } = await params;
    const ctx = await coordinator();
    const reader = await requireJobReader(ctx, id, readCredential(request));
    return asReaderResponse(
      Response.json(await jobProgressHistory(ctx, id)),
      reader,
      isSecureRequest(request),
    );
  },
);
