import { withErrors } from '@/lib/coordinator/http';
import { coordinator } from '@/lib/instance/coordinator';
import { isSceneHash } from '@/lib/protocol/job-spec';
import { decodeStoredScene, readStoredSceneFile, resolveScene } from '@/lib/work/scene-store';

export const dynamic = 'force-dynamic';

/**
 * The packed scene file. Addressed by hash, its bytes never change, so browsers may cache it for good;
 * a built-in id redirects to its current hash. Stored gzipped and decompressed here (bounded by its recorded
 * size): Next.js drops a route handler's own Content-Encoding header (measured with `next start`: the gzip
 * bytes went out undeclared), so the wire encoding is left to Next's response compression.
 */
export const GET = withErrors(async (_request: Request, { params }: RouteContext<'/api/scenes/[ref]'>) => {
  const { ref } = await params;
  const ctx = await coordinator();
  if (!isSceneHash(ref)) {
    const scene = await resolveScene(ctx, ref);
    return new Response(null, { status: 307, headers: { location: `/api/scenes/${scene.hash}` } });
  }
  const stored = await readStoredSceneFile(ctx, ref);
  const headers: Record<string, string> = {
    'content-type': 'application/vnd.lumengrid.scene',
    'cache-control': 'public, max-age=31536000, immutable',
    etag: `"${ref}"`,
  };
  return new Response(await decodeStoredScene(stored), { headers });
});
