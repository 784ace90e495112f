import { clientOrigin } from '@/lib/coordinator/client-origin';
import { readBody, withErrors } from '@/lib/coordinator/http';
import { originKey, takeRateLimit } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { ENVIRONMENT_MAP_LIMITS } from '@/lib/protocol/limits';
import { listEnvironmentMaps, uploadEnvironmentMap } from '@/lib/work/environment-store';

export const dynamic = 'force-dynamic';

export const GET = withErrors(async () =>
  Response.json({ environmentMaps: await listEnvironmentMaps(await coordinator()) }),
);

/**
 * Uploads a Radiance .hdr environment map: the file as the raw body (any content type), its name in the
 * `name` query parameter. Answers 201 with its summary; its `hash` is what a job's `{ type: 'map' }`
 * environment names.
 */
export const POST = withErrors(async (request: Request) => {
  const origin = originKey(clientOrigin(request));
  await takeRateLimit(await coordinator(), 'uploadEnvironmentPerOrigin', origin, 'environment map uploads');
  // Bounded read: a body beyond the map limit is refused (413) before it is buffered.
  const body = await readBody(request, ENVIRONMENT_MAP_LIMITS.maxBytes);
  const name = (new URL(request.url).searchParams.get('name') || 'environment.hdr').slice(0, 120);
  const map = await uploadEnvironmentMap(await coordinator(), body, name, { origin });
  return Response.json(map, { status: 201 });
});
