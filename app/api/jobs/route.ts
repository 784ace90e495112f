import { coordinator } from '@/lib/server/coordinator';
import { readJson, withErrors } from '@/lib/server/http';
import { createJob, listJobs } from '@/lib/server/jobs';

export const dynamic = 'force-dynamic';

export const POST = withErrors(async (request: Request) => {
  const job = await createJob(await coordinator(), await readJson(request));
  return Response.json(job, { status: 201, headers: { location: `/api/jobs/${job.id}` } });
});

export const GET = withErrors(async () => Response.json({ jobs: await listJobs(await coordinator()) }));
