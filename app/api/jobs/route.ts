import { clientOrigin } from '@/lib/coordinator/client-origin';
import { readJson, withErrors } from '@/lib/coordinator/http';
import { originKey, takeRateLimit } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { createJob, listJobs } from '@/lib/work/jobs';

export const dynamic = 'force-dynamic';

export const POST = withErrors(async (request: Request) => {
  const origin = clientOrigin(request);
  await takeRateLimit(await coordinator(), 'createJobPerOrigin', originKey(origin), 'new jobs');
  const job = await createJob(await coordinator(), await readJson(request), { origin });
  return Response.json(job, { status: 201, headers: { location: `/api/jobs/${job.id}` } });
});

export const GET = withErrors(async () => Response.json({ jobs: await listJobs(await coordinator()) }));
