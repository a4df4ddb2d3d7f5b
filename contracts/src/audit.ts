import { z } from 'zod';

/** An event as the audit view shows it (SPEC "event"): never the event's raw data. */
export const AuditEvent = z.object({
  position: z.number().int(),
  id: z.string(),
  type: z.string(),
  stream: z.string(),
  at: z.string(),
  actor: z.string(),
  message: z.string(),
  tags: z.array(z.string()),
  refs: z.object({
    engine: z.string().optional(),
    container: z.string().optional(),
    group: z.string().optional(),
    account: z.string().optional(),
  }),
  commandId: z.string(),
  correlationId: z.string(),
  causationId: z.string(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

/** What events to show; every given field must match. */
export const AuditFilter = z.strictObject({
  type: z.array(z.string().max(64)).max(32).optional(),
  stream: z.string().max(256).optional(),
  engine: z.string().max(64).optional(),
  container: z.string().max(64).optional(),
  group: z.string().max(64).optional(),
  account: z.string().max(64).optional(),
  actor: z.string().max(64).optional(),
  tag: z.string().max(64).optional(),
  since: z.iso.datetime().optional(),
  until: z.iso.datetime().optional(),
});
export type AuditFilter = z.infer<typeof AuditFilter>;

/** GET /api/events?… and /api/events/stream?…: the filter as query parameters (type=a,b). */
export const AuditQueryParams = AuditFilter.extend({
  type: z
    .string()
    .max(1024)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(AuditFilter.shape.type.unwrap())
    .optional(),
});
