import { clientOrigin } from '@/lib/coordinator/client-origin';
import { readJson, withErrors } from '@/lib/coordinator/http';
import {
  bearerToken,
  isSecureRequest,
  ownerCookie,
  readCredential,
} from '@/lib/coordinator/owner-credential';
import { originKey, takeRateLimit } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { ownerHashOfCredential } from '@/lib/work/job-owner';
import { createJob, listJobs, listOwnerJobs } from '@/lib/work/jobs';

export const dynamic = 'force-dynamic';

/**
 * A new job, answered with its owner token (once; the coordinator keeps a hash). A request with
 * `authorization: Bearer <ownerToken>` files the job under that owner. The token also comes back as an
 * HttpOnly cookie, for this browser's <img> and EventSource reads of private jobs.
 */
export const POST = withErrors(async (request: Request) => {
  const origin = clientOrigin(request);
  await takeRateLimit(await coordinator(), 'createJobPerOrigin', originKey(origin), 'new jobs');
  const job = await createJob(await coordinator(), await readJson(request), {
    origin,
    ownerToken: bearerToken(request),
  });
  return Response.json(job, {
    status: 201,
    headers: {
      location: `/api/jobs/${job.id}`,
      'set-cookie': ownerCookie(job.ownerToken, isSecureRequest(request)),
    },
  });
});

/** Listed jobs; with the owner's token (header or cookie), also `mine`: that owner's jobs, private too. */
export const GET = withErrors(async (request: Request) => {
  const ctx = await coordinator();
  const credential = readCredential(request);
  const owner = ownerHashOfCredential(credential);
  const mine = owner ? await listOwnerJobs(ctx, owner) : [];
  const response = Response.json({ jobs: await listJobs(ctx), mine });
  response.headers.set('cache-control', 'private, no-cache');
  if (credential?.from === 'header' && mine.length > 0) {
    response.headers.append('set-cookie', ownerCookie(credential.token, isSecureRequest(request)));
  }
  return response;
});
