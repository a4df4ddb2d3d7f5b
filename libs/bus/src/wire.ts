import { ValidationError } from '@berth/errors';
import type { z } from 'zod';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encode = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** Decodes and validates a message; the error names the first bad field. */
export const decode = <S extends z.ZodType>(schema: S, bytes: Uint8Array): z.infer<S> => {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new ValidationError('message is not valid JSON');
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  throw new ValidationError(
    `${field || 'message'}: ${issue?.message ?? 'invalid'}`,
    field ? { field } : {},
  );
};
