import { z } from 'zod';

/** Crockford base32, 26 characters: the form of every Berth id that is a ULID. */
export const Ulid = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID');
export type Ulid = z.infer<typeof Ulid>;

/** Names of accounts and engines: printable, no spaces, bounded. */
export const Name = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'at most 64 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'letters, digits, ".", "_" and "-", starting with a letter or digit',
  );
