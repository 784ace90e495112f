/**
 * Domain errors carry a short message a person can read and the next step to take (`metaMessages`),
 * in the manner of viem's BaseError. Routes turn them into 4xx responses; users never see a stack.
 */
export type BaseErrorOptions = {
  cause?: unknown;
  metaMessages?: string[];
  details?: unknown;
};

export abstract class BaseError extends Error {
  abstract override readonly name: string;
  /** HTTP status a route answers with when this error reaches it. */
  abstract readonly status: number;
  readonly shortMessage: string;
  readonly metaMessages: string[];
  readonly details: unknown;

  constructor(shortMessage: string, options: BaseErrorOptions = {}) {
    super([shortMessage, ...(options.metaMessages ?? [])].join('\n'), { cause: options.cause });
    this.shortMessage = shortMessage;
    this.metaMessages = options.metaMessages ?? [];
    this.details = options.details;
  }

  toJSON() {
    return { error: this.name, message: this.shortMessage, next: this.metaMessages, details: this.details };
  }
}

/** The request itself is malformed: fix it and send again. */
export class InvalidRequestError extends BaseError {
  override readonly name = 'InvalidRequestError';
  readonly status = 400;
}

export class NotFoundError extends BaseError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
}

/** The lease behind a result is not (or no longer) held by the sender. */
export class LeaseError extends BaseError {
  override readonly name = 'LeaseError';
  readonly status = 409;
}

/** A result's bytes do not describe what the lease asked for. */
export class InvalidResultError extends BaseError {
  override readonly name = 'InvalidResultError';
  readonly status = 422;
}

export class PayloadTooLargeError extends BaseError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
}

/** The session failed verification too often and may not take work for now. */
export class QuarantinedError extends BaseError {
  override readonly name = 'QuarantinedError';
  readonly status = 403;
}

/** The request is valid but conflicts with the current state (e.g. a payout address is already bound). */
export class ConflictError extends BaseError {
  override readonly name = 'ConflictError';
  readonly status = 409;
}

/** Something the coordinator depends on (the chain's RPC) is not answering; trying again later may work. */
export class UnavailableError extends BaseError {
  override readonly name = 'UnavailableError';
  readonly status = 503;
}

/** The request does not prove who sent it (a missing or wrong signature). */
export class UnauthenticatedError extends BaseError {
  override readonly name = 'UnauthenticatedError';
  readonly status = 401;
}

/** A refusal that passes with time: `retryAfterSeconds` says when to come back (the Retry-After header). */
export abstract class RetryLaterError extends BaseError {
  readonly retryAfterSeconds: number;

  constructor(shortMessage: string, options: BaseErrorOptions & { retryAfterSeconds: number }) {
    super(shortMessage, options);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Too many requests from one session or origin. */
export class RateLimitedError extends RetryLaterError {
  override readonly name = 'RateLimitedError';
  readonly status = 429;
}

/** The body is not of the media type the endpoint reads (JSON endpoints take only application/json). */
export class UnsupportedMediaTypeError extends BaseError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly status = 415;
}

/**
 * The coordinator is busy with this kind of request (scene imports, image builds, event streams) and refuses
 * more for now; `retryAfterSeconds` says when to come back. Unlike RateLimitedError it is not the caller's
 * own rate.
 */
export class OverloadedError extends RetryLaterError {
  override readonly name = 'OverloadedError';
  readonly status = 503;
}

/** The caller is known and may not do this (e.g. bind credit to a blocked payout address). */
export class ForbiddenError extends BaseError {
  override readonly name = 'ForbiddenError';
  readonly status = 403;
}

/** An uploaded environment map is not a readable Radiance .hdr file (lib/scene/radiance-hdr.ts). */
export class InvalidEnvironmentMapError extends BaseError {
  override readonly name = 'InvalidEnvironmentMapError';
  readonly status = 422;
}
