import { clientOrigin } from '@/lib/coordinator/client-origin';
import { readBody, withErrors } from '@/lib/coordinator/http';
import { originKey, takeRateLimit } from '@/lib/coordinator/rate-limit';
import { coordinator } from '@/lib/instance/coordinator';
import { InvalidRequestError } from '@/lib/protocol/errors';
import { BODY_LIMITS } from '@/lib/protocol/limits';
import { listScenes, uploadScene } from '@/lib/work/scene-store';

export const dynamic = 'force-dynamic';

const MAX_FILES = 128;

export const GET = withErrors(async () => Response.json({ scenes: await listScenes(await coordinator()) }));

export const POST = withErrors(async (request: Request) => {
  const origin = originKey(clientOrigin(request));
  await takeRateLimit(await coordinator(), 'uploadScenePerOrigin', origin, 'scene uploads');
  const contentType = request.headers.get('content-type') ?? '';
  if (!contentType.startsWith('multipart/form-data')) {
    throw new InvalidRequestError('Upload scenes as multipart/form-data', {
      metaMessages: [
        'Send the files in the form field "files" (a .glb, or a .gltf with its .bin and images).',
      ],
    });
  }
  // Bounded read first: formData() alone would buffer a body of any size.
  const body = await readBody(request, BODY_LIMITS.uploadBytes);
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData().catch(() => {
    throw new InvalidRequestError('The multipart body could not be parsed', {
      metaMessages: ['Send a well-formed multipart/form-data body with the files in the field "files".'],
    });
  });
  const entries = form.getAll('files').filter((entry): entry is File => typeof entry !== 'string');
  if (entries.length > MAX_FILES) {
    throw new InvalidRequestError(`The upload has ${entries.length} files; the limit is ${MAX_FILES}`);
  }
  const files = new Map<string, Uint8Array>();
  for (const file of entries) files.set(file.name, new Uint8Array(await file.arrayBuffer()));
  const name = String(form.get('name') || entries[0]?.name || 'scene').slice(0, 120);
  // The import runs in a worker thread (lib/scene/scene-import-pool.ts); a full queue answers 503.
  const scene = await uploadScene(await coordinator(), files, name, { origin });
  return Response.json(scene, { status: 201 });
});
