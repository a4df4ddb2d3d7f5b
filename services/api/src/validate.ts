import type { Context } from 'hono';
import type { z } from 'zod';
import { ValidationError } from '@berth/errors';

/** The first problem of a zod error as a ValidationError naming its field. */
export const toValidationError = (error: z.ZodError): ValidationError => {
  const issue = error.issues[0];
  if (issue === undefined) return new ValidationError('invalid input');
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const field = [...issue.path, ...(unknownKey === undefined ? [] : [unknownKey])].join('.');
  const message = unknownKey === undefined ? issue.message : 'unknown field';
  return new ValidationError(field ? `${field}: ${message}` : message, field ? { field } : {});
};

/** Reads and validates a JSON body; anything else is a 400 that names the field. */
export const jsonBody = async <S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> => {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ValidationError('the body must be a JSON object');
  }
  const result = schema.safeParse(body);
  if (!result.success) throw toValidationError(result.error);
  return result.data;
};

/** A query string's parameters, each given once: a repeated one is a 400 naming it. */
export const singleParams = (c: Context): Record<string, string> => {
  for (const [name, values] of Object.entries(c.req.queries()))
    if (values.length > 1)
      throw new ValidationError(`${name}: given ${values.length} times, at most once`, {
        field: name,
      });
  return c.req.query();
};

/** One value (a header, a path segment) against a schema; the error names `field`. */
export const parseParam = <S extends z.ZodType>(schema: S, value: unknown, field: string) => {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(`${field}: ${result.error.issues[0]?.message ?? 'invalid'}`, {
    field,
  });
};

/** Validates a query string; a bad or repeated parameter is a 400 that names it. */
export const queryParams = <S extends z.ZodType>(c: Context, schema: S): z.infer<S> => {
  const result = schema.safeParse(singleParams(c));
  if (!result.success) throw toValidationError(result.error);
  return result.data;
};
