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

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const UNIX_SECONDS = /^(\d{1,11})(?:\.(\d{1,9}))?$/;

/** Docker's own spelling of an instant: Unix seconds and nine digits of nanoseconds. */
const dockerInstant = (seconds: number, fraction = '') => `${seconds}.${fraction.padEnd(9, '0')}`;

/** An RFC 3339 timestamp as Unix seconds, or undefined when a field is out of its range. */
const rfc3339Seconds = (text: string): { seconds: number; fraction?: string } | undefined => {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(ms);
  // Date.UTC rolls Feb 30 over into March; a strict parse refuses it instead.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetMinutes =
    m[8] === undefined ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) : 0;
  if (m[8] === undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  const seconds = ms / 1000 - offsetMinutes * 60;
  return seconds < 0 ? undefined : { seconds, ...(m[7] === undefined ? {} : { fraction: m[7] }) };
};

/**
 * An instant in a query string as `docker logs --since/--until` takes it: an RFC 3339
 * timestamp (`2026-12-02T10:00:00Z`, `…+01:00`, with up to nine fractional digits) or Unix
 * seconds (`1733130000`, `1733130000.5`). Anything else — dates alone, durations, spaces — is
 * refused. The value becomes Docker's API form, `<seconds>.<nanoseconds>`.
 */
export const instantParam = z.string().transform((text, ctx) => {
  const unix = UNIX_SECONDS.exec(text);
  if (unix !== null) return dockerInstant(Number(unix[1]), unix[2]);
  const parsed = rfc3339Seconds(text);
  if (parsed !== undefined) return dockerInstant(parsed.seconds, parsed.fraction);
  ctx.addIssue({
    code: 'custom',
    message: 'must be an RFC 3339 timestamp (2026-12-02T10:00:00Z) or Unix seconds',
  });
  return z.NEVER;
});

/** Orders two instants made by `instantParam` (nanosecond precision, no float rounding). */
export const compareInstants = (a: string, b: string): number => {
  const [aSeconds = '', aNanos = ''] = a.split('.');
  const [bSeconds = '', bNanos = ''] = b.split('.');
  return Number(aSeconds) - Number(bSeconds) || Number(aNanos) - Number(bNanos);
};
