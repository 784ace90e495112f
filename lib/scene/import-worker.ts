/**
 * The body of one scene import worker thread (started by lib/scene/scene-import-pool.ts): takes one
 * ImportRequest, prepares the upload, replies once, and is ended by the pool.
 */
import { parentPort } from 'node:worker_threads';
import type { ImportReply, ImportRequest } from './import-messages';
import { prepareUpload } from './prepare-scene';
import { SceneImportError } from './scene-import-error';

const port = parentPort;
if (!port) throw new Error('import-worker.ts runs as a worker thread (lib/scene/scene-import-pool.ts)');

port.once('message', async (request: ImportRequest) => {
  let reply: ImportReply;
  try {
    reply = { ok: true, upload: await prepareUpload(new Map(request.files), request.limits) };
  } catch (error) {
    reply =
      error instanceof SceneImportError
        ? {
            ok: false,
            userError: {
              shortMessage: error.shortMessage,
              metaMessages: error.metaMessages,
              details: error.details,
            },
          }
        : {
            ok: false,
            internalError: error instanceof Error ? (error.stack ?? error.message) : String(error),
          };
  }
  const transfer = reply.ok ? [reply.upload.gzip.buffer] : [];
  port.postMessage(reply, transfer);
});
