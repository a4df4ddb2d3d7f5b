import { z } from 'zod';
import { positionParam, wholeNumberParam } from './params.js';

// Answers of HTTP routes that are not read-model documents; the OpenAPI document is made from these.

/** `POST /api/containers` answers this (202): the group, its replicas, the log position. */
export const RunAccepted = z.object({
  group: z.string(),
  containers: z.array(z.string()),
  position: z.number().int(),
});
export type RunAccepted = z.infer<typeof RunAccepted>;

/** Scale answers this (202). */
export const ScaleAccepted = z.object({
  group: z.string(),
  desired: z.number().int(),
  added: z.array(z.string()),
  removed: z.array(z.string()),
  position: z.number().int(),
});
export type ScaleAccepted = z.infer<typeof ScaleAccepted>;

/** `DELETE /api/containers/{id}` (202): the container is being destroyed. */
export const DestroyAccepted = z.object({ container: z.string(), position: z.number().int() });

/** Update and rollback (202): the revision the group moves to (null when nothing changes). */
export const UpdateAccepted = z.object({
  group: z.string(),
  revision: z.number().int().nullable(),
  position: z.number().int(),
});

export const JoinTokenAnswer = z.object({ token: z.string() });
export const JoinAccepted = z.object({ id: z.string(), ttlSeconds: z.number() });

/** `GET /healthz`: ready only once started and every dependency answers. */
export const Health = z.object({
  status: z.enum(['ok', 'unavailable']),
  started: z.boolean(),
  checks: z.record(z.string(), z.boolean()),
});

/** `POST /api/admin/verify`: the hash chain checked up to the head, or where it breaks. */
export const VerifyReport = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  position: z.number().int().optional(),
  reason: z.string().optional(),
});

/** `POST /api/admin/replay`: the read model rebuilt from position 0 and compared with the live one. */
export const ReplayReport = z.object({
  position: z.number().int(),
  events: z.number().int(),
  ms: z.number(),
  eventsPerSecond: z.number(),
  equal: z.boolean(),
  differences: z.array(z.unknown()),
});

/** `GET /api/events`: a page, newest first; `X-Next-Before` carries the next page's cursor. */
export const EventsPageParams = z.strictObject({
  count: wholeNumberParam(1, 1000).default(20),
  before: positionParam.optional(),
});
/** `GET /api/events/stream`: where to start (else `Last-Event-ID` + 1, else the head + 1). */
export const EventStreamParams = z.strictObject({ from: positionParam.optional() });
