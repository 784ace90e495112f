import { Zip, ZipPassThrough } from 'fflate';
import type { CoordinatorContext } from '../coordinator/context';
import { InvalidRequestError, NotFoundError } from '../protocol/errors';
import type { JobSpec } from '../protocol/job-spec';
import { imageFileName, jobImageResponse } from './job-image-response';

/**
 * Every frame of an animation job as PNGs in one zip, streamed: frames are built one after another through
 * the image gate (jobImageResponse), each PNG passed into the zip as it streams (stored, not deflated again:
 * PNG is compressed already) and pulled by the client, so memory holds one frame's chunk at a time, not the
 * animation.
 */
export async function framesZipResponse(
  ctx: CoordinatorContext,
  jobId: string,
  signal?: AbortSignal,
): Promise<Response> {
  const [row] = await ctx.db.query<{ spec: JobSpec }>('SELECT spec FROM jobs WHERE id = $1', [jobId]);
  if (!row) {
    throw new NotFoundError(`Job ${jobId} does not exist`, {
      metaMessages: ['Check the link, or list jobs at /jobs.'],
    });
  }
  if (!row.spec.frames) {
    throw new InvalidRequestError(`Job ${jobId} is a still image, with no frames`, {
      metaMessages: [`Its image is /api/jobs/${jobId}/image.png.`],
    });
  }
  const { start, end } = row.spec.frames;
  const pending: Uint8Array[] = [];
  let finished = false;
  const zip = new Zip((error, chunk, final) => {
    if (error) throw error;
    pending.push(chunk);
    if (final) finished = true;
  });
  let next = start;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let entry: ZipPassThrough | null = null;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (pending.length === 0 && !finished) {
        if (!reader || !entry) {
          if (next > end) {
            zip.end();
            continue;
          }
          const frame = next++;
          const png = await jobImageResponse(ctx, jobId, { kind: 'png', frame, signal });
          if (!png.body) throw new Error(`frame ${frame} of job ${jobId} has no PNG body`);
          entry = new ZipPassThrough(`${imageFileName({ id: jobId, frame })}.png`);
          zip.add(entry);
          reader = png.body.getReader();
        }
        const { done, value } = await reader.read();
        if (done) {
          entry.push(new Uint8Array(0), true);
          reader = null;
          entry = null;
        } else {
          entry.push(value);
        }
      }
      const chunk = pending.shift();
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
    async cancel() {
      await reader?.cancel();
      zip.terminate();
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="lumengrid-${jobId}-frames.zip"`,
      'cache-control': 'no-cache',
    },
  });
}
