import { z } from 'zod';

/** Crockford base32, 26 characters: the form of every Berth id that is a ULID. */
export const Ulid = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID');
export type Ulid = z.infer<typeof Ulid>;

/**
 * What identifies a command: a UUID (v7 when Berth mints it, v5 when derived from a client's
 * `Idempotency-Key`), or a ULID (an event's id when a reaction is caused by it, and older logs).
 */
export const CommandId = z.union([z.uuid(), Ulid]);
export type CommandId = z.infer<typeof CommandId>;

/** Names of accounts and engines: printable, no spaces, bounded. */
export const Name = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'at most 64 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'letters, digits, ".", "_" and "-", starting with a letter or digit',
  );
