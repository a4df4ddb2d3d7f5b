import { z } from 'zod';

/** Every error a client can see. The api maps each to exactly one HTTP status. */
export const ErrorCode = {
  invalid: 'invalid',
  unauthenticated: 'unauthenticated',
  forbidden: 'forbidden',
  /** A run or scale-up would take its owner past the account's quota; only an admin can raise it. */
  quotaExceeded: 'quota_exceeded',
  notFound: 'not_found',
  conflict: 'conflict',
  gone: 'gone',
  rejected: 'rejected',
  rateLimited: 'rate_limited',
  internal: 'internal',
  unavailable: 'unavailable',
  timeout: 'timeout',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const httpStatusOf: Readonly<Record<ErrorCode, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  quota_exceeded: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  rejected: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  timeout: 504,
};

export const ErrorDetail = z.object({
  code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  field: z.string().optional(),
});
export type ErrorDetail = z.infer<typeof ErrorDetail>;

/** The body of every error response and every failed command reply. */
export const ErrorBody = z.object({ error: ErrorDetail });
export type ErrorBody = z.infer<typeof ErrorBody>;
