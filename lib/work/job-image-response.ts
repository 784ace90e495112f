import type { CoordinatorContext } from '../coordinator/context';
import { log } from '../coordinator/log';
import { RESULT_CHANNELS } from '../protocol/result-layout';
import { exrByteLength } from '../render/exr';
import { pfmHeader } from '../render/pfm';
import { type BuildGate, imageResources, type PngCache } from './image-gate';
import {
  accumulationBands,
  accumulationBytes,
  exrBytes,
  type ImageJob,
  imageJob,
  pfmBytes,
  pngBytes,
  previewGeometry,
  renderPreviewPng,
} from './job-image';

/** The image routes: `image.png` (full, or a preview with maxSize), `image.pfm`, `image.exr`, `accumulation`. */
export type JobImageKind = 'png' | 'pfm' | 'exr' | 'accumulation';

export interface JobImageRequest {
  kind: JobImageKind;
  /** PNG only: the longer side of a preview, averaged down from the tiles. */
  maxSize?: number;
  /** An animation's frame (the frame routes); absent: the still, or an animation's first frame. */
  frame?: number;
  /** The request's If-None-Match header. */
  ifNoneMatch?: string | null;
  /** The request's signal: a client gone while queued gives its place up. */
  signal?: AbortSignal;
}

/**
 * Answers an image request. Every image is a function of the job's version, so it carries an ETag of the
 * version and a repeat is a 304 that reads one row. Otherwise the build waits for the image gate (a few at
 * once, a short queue, then 503 with Retry-After); PNGs already encoded for this version come from the
 * cache; full-size images are streamed band by band and release the gate when they end or the client goes.
 */
export async function jobImageResponse(
  ctx: CoordinatorContext,
  jobId: string,
  request: JobImageRequest,
  resources: { gate: BuildGate; cache: PngCache } = imageResources(),
): Promise<Response> {
  const job = await imageJob(ctx, jobId, request.frame);
  const preview = request.kind === 'png' && request.maxSize !== undefined;
  const variant = preview ? `preview-${previewGeometry(job, request.maxSize ?? 0).width}` : request.kind;
  const etag = `"v${job.version}-${job.frame === null ? '' : `f${job.frame}-`}${variant}"`;
  const name = imageFileName(job);
  const headers: Record<string, string> = {
    // Stored, but asked again each time: the ETag answers a repeat with 304.
    'cache-control': 'no-cache',
    etag,
  };
  if (matches(request.ifNoneMatch, etag)) return new Response(null, { status: 304, headers });

  const cacheKey = `${job.id}:${etag}`;
  if (request.kind === 'png') {
    Object.assign(headers, {
      'content-type': 'image/png',
      'content-disposition': `inline; filename="${name}${preview ? '-preview' : ''}.png"`,
    });
    const cached = resources.cache.get(cacheKey);
    if (cached) return new Response(Buffer.from(cached), { headers });
  }

  const release = await resources.gate.acquire(request.signal);
  try {
    if (request.kind === 'png') {
      const cached = resources.cache.get(cacheKey);
      if (cached) {
        release();
        return new Response(Buffer.from(cached), { headers });
      }
    }
    if (preview) {
      const png = await renderPreviewPng(ctx, job, request.maxSize ?? 0);
      release();
      if (await unchanged(ctx, job)) resources.cache.set(cacheKey, png);
      return new Response(Buffer.from(png), { headers });
    }
    if (request.kind === 'png') {
      const keep = collector(resources.cache.maxEntryBytes);
      const body = streamOf(
        pngBytes(accumulationBands(ctx, job, { reuse: true }), job.width, job.height),
        release,
        {
          onChunk: keep.add,
          onDone: async () => {
            const png = keep.bytes();
            if (png && (await unchanged(ctx, job))) resources.cache.set(cacheKey, png);
          },
        },
      );
      return new Response(body, { headers });
    }
    if (request.kind === 'pfm') {
      const length = pfmHeader(job.width, job.height).byteLength + job.width * job.height * 3 * 4;
      return new Response(streamOf(pfmBytes(ctx, job), release), {
        headers: {
          ...headers,
          'content-type': 'application/x-portable-floatmap',
          'content-length': String(length),
          'content-disposition': `attachment; filename="${name}.pfm"`,
        },
      });
    }
    if (request.kind === 'exr') {
      return new Response(streamOf(exrBytes(ctx, job), release), {
        headers: {
          ...headers,
          'content-type': 'image/x-exr',
          'content-length': String(exrByteLength(job.width, job.height)),
          'content-disposition': `attachment; filename="${name}.exr"`,
        },
      });
    }
    return new Response(streamOf(accumulationBytes(ctx, job), release), {
      headers: {
        ...headers,
        'content-type': 'application/octet-stream',
        'content-length': String(job.width * job.height * RESULT_CHANNELS * 8),
        'x-lumengrid-layout': `float64le;width=${job.width};height=${job.height};channels=${RESULT_CHANNELS};order=r,g,b,luminance_sq,count`,
      },
    });
  } catch (error) {
    release();
    throw error;
  }
}

/** What a download is called: the job, and an animation's frame (zero-padded, so names sort in order). */
export function imageFileName(job: Pick<ImageJob, 'id' | 'frame'>): string {
  return job.frame === null
    ? `lumengrid-${job.id}`
    : `lumengrid-${job.id}-frame-${String(job.frame).padStart(6, '0')}`;
}

/** Whether If-None-Match names this ETag (or `*`); weak and strong forms compare alike. */
function matches(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim().replace(/^W\//, '');
    return t === '*' || t === etag;
  });
}

/** The job is still at the version the image was built for (so the image may be kept under it). */
async function unchanged(ctx: CoordinatorContext, job: { id: string; version: number }): Promise<boolean> {
  const [row] = await ctx.db.query<{ version: number }>('SELECT version FROM jobs WHERE id = $1', [job.id]);
  return row?.version === job.version;
}

/** Keeps a stream's chunks while they fit in `limit` bytes, for the cache; past it, drops them. */
function collector(limit: number) {
  let parts: Uint8Array[] | null = [];
  let total = 0;
  return {
    add(chunk: Uint8Array) {
      if (!parts) return;
      total += chunk.byteLength;
      if (total > limit) parts = null;
      else parts.push(chunk);
    },
    bytes(): Uint8Array | null {
      if (!parts) return null;
      const out = new Uint8Array(total);
      let offset = 0;
      for (const part of parts) {
        out.set(part, offset);
        offset += part.byteLength;
      }
      return out;
    },
  };
}

/**
 * A byte stream that pulls the generator one chunk at a time (so a slow reader holds back the builder) and
 * releases the gate once, when the generator ends, fails or the reader cancels.
 */
function streamOf(
  chunks: AsyncGenerator<Uint8Array>,
  release: () => void,
  hooks: { onChunk?: (chunk: Uint8Array) => void; onDone?: () => Promise<void> } = {},
): ReadableStream<Uint8Array> {
  let finished = false;
  const finish = () => {
    finished = true;
    release();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (finished) return;
          if (next.done) {
            // Cached before the reader sees the end, so that its next request finds the bytes.
            await hooks.onDone?.().catch((error) => log.error({ err: error }, 'image cache'));
            finish();
            controller.close();
            return;
          }
          hooks.onChunk?.(next.value);
          controller.enqueue(next.value);
        } catch (error) {
          if (finished) return;
          finish();
          log.error({ err: error }, 'image stream');
          controller.error(error);
        }
      },
      async cancel() {
        finish();
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}
