import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { readEnvironmentMapFile, resolveEnvironmentMap } from '@/lib/work/environment-store';

export const dynamic = 'force-dynamic';

/**
 * The .hdr file of an environment map. Addressed by hash, its bytes never change: cached for good. A
 * built-in map's name redirects to its current hash.
 */
export const GET = withErrors(
  async (_request: Request, { params }: RouteContext<'/api/environments/[ref]'>) => {
    const { ref } = await params;
    const ctx = await coordinator();
    if (!/^[0-9a-f]{64}$/.test(ref)) {
      const map = await resolveEnvironmentMap(ctx, ref);
      return new Response(null, { status: 307, headers: { location: `/api/environments/${map.hash}` } });
    }
    return new Response(await readEnvironmentMapFile(ctx, ref), {
      headers: {
        'content-type': 'image/vnd.radiance',
        'cache-control': 'public, max-age=31536000, immutable',
        etag: `"${ref}"`,
      },
    });
  },
);
