import { ErrorCode, type ErrorDetail } from '@berth/contracts';

type Options = { field?: string; cause?: unknown };

/** Base of every error Berth throws on purpose; edges turn it into an `ErrorDetail`. */
export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: Options = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.field = options.field;
  }

  toDetail(): ErrorDetail {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

export class ValidationError extends BerthError {
  constructor(message: string, options: Options = {}) {
    super(ErrorCode.invalid, message, options);
  }
}
export class UnauthenticatedError extends BerthError {
  constructor(message: string, options: Options = {}) {
    super(ErrorCode.unauthenticated, message, options);
  }
}
export class ForbiddenError extends BerthError {
  constructor(message: string, options: Options = {}) {
    super(ErrorCode.forbidden, message, options);
  }
}
/** A run or scale-up that would take its owner past the account's quota. */
export class QuotaExceededError extends BerthError {
  constructor(message: string, options: Options = {}) {
    super(ErrorCode.quotaExceeded, message, options);
  }
}
export class RateLimitedError extends BerthError {
  constructor(message: string, options: Options = {}) {
    super(ErrorCode.rateLimited, message, options);
  }
}
export class NotFoundError extends BerthError {
  constructor(message: string, options: Options = {}) {
    super(ErrorCode.notFound, message, options);
  }
}
export class ConflictError extends BerthError {
  constructor(message: string, options: Options = {}) {
    super(ErrorCode.conflict, message, options);
  }
}
export class RejectedError extends BerthError {
  constructor(message: string, options: Options = {}) {
    super(ErrorCode.rejected, message, options);
  }
}
export class UnavailableError extends BerthError {
  constructor(message: string, options: Options = {}) {
    super(ErrorCode.unavailable, message, options);
  }
}
export class TimeoutError extends BerthError {
  constructor(message: string, options: Options = {}) {
    super(ErrorCode.timeout, message, options);
  }
}

/** Rebuilds a typed error from a detail received over the wire. */
export const fromDetail = (detail: ErrorDetail): BerthError =>
  new BerthError(
    detail.code,
    detail.message,
    detail.field === undefined ? {} : { field: detail.field },
  );

/**
 * What a caller may see of any error: Berth's own errors as they are, anything else as an
 * opaque internal error so no dependency's message or stack leaks out.
 */
export const toErrorDetail = (error: unknown): ErrorDetail =>
  error instanceof BerthError
    ? error.toDetail()
    : { code: ErrorCode.internal, message: 'internal error' };
