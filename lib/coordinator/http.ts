import 'server-only';
import {
  BaseError,
  InvalidRequestError,
  PayloadTooLargeError,
  RetryLaterError,
  UnsupportedMediaTypeError,
} from '../protocol/errors';
import { BODY_LIMITS } from '../protocol/limits';
import { log, REQUEST_ID_HEADER } from './log';

/** Route-handler glue: domain errors become 4xx JSON with the next step; anything else a logged 500. */
export function errorResponse(error: unknown, request?: Request): Response {
  if (error instanceof RetryLaterError) {
    return Response.json(error.toJSON(), {
      status: error.status,
      headers: { 'retry-after': String(error.retryAfterSeconds) },
    });
  }
  if (error instanceof BaseError) return Response.json(error.toJSON(), { status: error.status });
  log.error(
    { err: error, requestId: request?.headers.get(REQUEST_ID_HEADER) ?? undefined, url: request?.url },
    'unexpected error',
  );
  return Response.json(
    {
      error: 'InternalError',
      message: 'The coordinator hit an unexpected error',
      next: ['Try again in a moment.'],
    },
    { status: 500 },
  );
}

export function withErrors<Args extends unknown[]>(
  handler: (...args: Args) => Promise<Response>,
): (...args: Args) => Promise<Response> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      return errorResponse(error, args[0] instanceof Request ? args[0] : undefined);
    }
  };
}

/**
 * Reads a request body up to `maxBytes`, refusing larger ones before buffering them (Content-Length first,
 * then a running count for chunked uploads).
 */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get('content-length'));
  const tooLarge = () =>
    new PayloadTooLargeError(`The request body is larger than ${maxBytes} bytes`, {
      metaMessages: ['Send a smaller body; see the API documentation for the size each endpoint expects.'],
    });
  if (declared > maxBytes) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * Parses a JSON body of at most `maxBytes`, with a clear 400 when it is not JSON. The Content-Type must say
 * JSON: a web page on another site may POST text/plain or a form to this server without the browser asking
 * it first (a "simple" cross-origin request), but not application/json, which needs a CORS preflight that
 * this server never grants. So a request that says anything else is refused before it is read.
 */
export async function readJson(request: Request, maxBytes: number = BODY_LIMITS.jsonBytes): Promise<unknown> {
  if (!isJsonMediaType(request.headers.get('content-type'))) {
    throw new UnsupportedMediaTypeError('This endpoint reads JSON: send Content-Type: application/json', {
      metaMessages: ['Send the body as JSON with the header Content-Type: application/json.'],
    });
  }
  const body = await readBody(request, maxBytes);
  if (body.byteLength === 0) return {};
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new InvalidRequestError('The request body is not valid JSON', {
      metaMessages: ['Send a JSON object with Content-Type: application/json.'],
    });
  }
}

/** application/json or any application/…+json, with or without parameters (charset). */
export function isJsonMediaType(contentType: string | null): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}
