import { z } from 'zod';

/**
 * A whole number in a query string, written in plain digits: "", "1e3", "0x10", "1.5", "+1"
 * and " 7" are refused rather than coerced, so an empty `count` can never mean 0.
 */
export const wholeNumberParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a whole number in plain digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** `true`/`false` (or `1`/`0`) in a query string. */
export const flagParam = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

/** A log position (SSE `from`, `Last-Event-ID`, paging cursors). */
export const positionParam = wholeNumberParam(0, Number.MAX_SAFE_INTEGER);
