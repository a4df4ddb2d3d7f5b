import { z } from 'zod';

/**
 * Parses an environment with a zod schema and fails with every bad variable named.
 * Each service's config module calls this once; nothing else reads `process.env`.
 */
export const parseEnv = <S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> => {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new Error(`invalid configuration: ${problems.join('; ')}`);
};

/** A TCP port from an environment variable. */
export const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);

/** An optional string; empty means unset. */
export const optionalString = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v));
