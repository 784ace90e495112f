import { coordinator } from '@/lib/server/coordinator';
import { clientOrigin, readJson, withErrors } from '@/lib/server/http';
import { createJob, listJobs } from '@/lib/server/jobs';
import { limiter, originKey } from '@/lib/server/rate-limit';

export const dynamic = 'force-dynamic';

export const POST = withErrors(async (request: Request) => {
  limiter('createJobPerOrigin').take(originKey(clientOrigin(request)), 'new jobs');
  const job = await createJob(await coordinator(), await readJson(request));
  return Response.json(job, { status: 201, headers: { location: `/api/jobs/${job.id}` } });
});

export const GET = withErrors(async () => Response.json({ jobs: await listJobs(await coordinator()) }));
