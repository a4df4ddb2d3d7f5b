import { z } from 'zod';
import { ErrorDetail } from './errors.js';
import { CommandId, Ulid } from './ids.js';

/** Who asked and which request this is; `commandId` makes retries idempotent. */
export const CommandMetadata = z.strictObject({
  commandId: CommandId,
  actor: z.string().min(1).max(64),
  /** The actor's role as the api checked it; a command without one is treated as a user's. */
  role: z.enum(['admin', 'user']).optional(),
  correlationId: CommandId.optional(),
  causationId: CommandId.optional(),
});
export type CommandMetadata = z.infer<typeof CommandMetadata>;

/** The envelope of every command: `{ type, data, metadata }`, `type` the discriminant. */
export const commandSchema = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.strictObject({ type: z.literal(type), data, metadata: CommandMetadata });

/** Every event says who caused it and in answer to what. */
export const EventMetadata = z.strictObject({
  actor: z.string().min(1),
  commandId: CommandId,
  correlationId: CommandId,
  causationId: CommandId,
});
export type EventMetadata = z.infer<typeof EventMetadata>;

/** An event as the log stores it: positioned, versioned, hash-chained. */
export const RecordedEvent = z.object({
  position: z.number().int().positive(),
  id: Ulid,
  stream: z.string().min(1),
  version: z.number().int().positive(),
  type: z.string().min(1),
  v: z.number().int().positive(),
  at: z.iso.datetime(),
  data: z.unknown(),
  metadata: EventMetadata,
  hash: z.string().length(64),
});
export type RecordedEvent<Data = unknown> = Omit<z.infer<typeof RecordedEvent>, 'data'> & {
  data: Data;
};

/** An event about to be appended; the log assigns position and hash, and id/at when absent. */
export type NewEvent<Data = unknown> = {
  type: string;
  v?: number;
  data: Data;
  metadata: EventMetadata;
  id?: string;
  at?: string;
};

export const CommandSuccess = z.object({
  ok: z.literal(true),
  position: z.number().int().nonnegative(),
  events: z.array(RecordedEvent),
});
export const CommandFailure = z.object({ ok: z.literal(false), error: ErrorDetail });
/** What a command handler answers over the bus. */
export const CommandReply = z.discriminatedUnion('ok', [CommandSuccess, CommandFailure]);
export type CommandReply = z.infer<typeof CommandReply>;
