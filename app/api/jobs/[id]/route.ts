import { withErrors } from '@/lib/coordinator/http';
import { isSecureRequest, readCredential } from '@/lib/coordinator/owner-credential';
import { coordinator } from '@/lib/instance/coordinator';
import { asReaderResponse, requireJobReader } from '@/lib/work/job-owner';
import { getJob } from '@/lib/work/jobs';

export const dynamic = 'force-dynamic';

/** The job, and whether the request's owner token owns it; a private one needs that token (lib/work/job-owner.ts). */
export const GET = withErrors(async (request: Request, { params }: RouteContext<'/api/jobs/[id]'>) => {
  const { id } = await params;
  const ctx = await coordinator();
  const reader = await requireJobReader(ctx, id, readCredential(request));
  const job = { ...(await getJob(ctx, id)), ownedByYou: reader.isOwner };
  return asReaderResponse(Response.json(job), reader, isSecureRequest(request));
});
