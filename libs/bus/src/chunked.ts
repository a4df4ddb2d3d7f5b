import { createInbox, type Msg, type NatsConnection } from 'nats';
import { z } from 'zod';

/** Room left in a message for NATS headers and protocol overhead. */
const HEADROOM = 4096;
/** How long a large reply waits for its requester to fetch it. */
const HOLD_MS = 30_000;
/** Used when the server has not said its limit (it always does once connected). */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** What a requester gets instead of a reply too large for one message: where to fetch it. */
const ChunkedMarker = z.strictObject({
  chunked: z.strictObject({
    inbox: z.string().min(1),
    parts: z.number().int().positive(),
    bytes: z.number().int().positive(),
  }),
});
type ChunkedMarker = z.infer<typeof ChunkedMarker>;

/** The largest body one message may carry on this connection. */
export const maxBodyBytes = (nc: NatsConnection) =>
  (nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADROOM;

/**
 * Answers `msg` with `bytes` of any size. A body over the connection's limit is held for a
 * short while behind its own inbox and the requester fetches it part by part, so no reply
 * ever exceeds NATS's max payload. Returns false when the reply could not be sent.
 */
export const respondAnySize = (nc: NatsConnection, msg: Msg, bytes: Uint8Array): boolean => {
  const limit = maxBodyBytes(nc);
  if (bytes.length <= limit) return msg.respond(bytes);
  const parts = Math.ceil(bytes.length / limit);
  const inbox = createInbox();
  let fetched = 0;
  const holder = nc.subscribe(inbox, {
    callback: (error, request) => {
      if (error !== null) return;
      const part = Number(new TextDecoder().decode(request.data));
      if (!Number.isInteger(part) || part < 0 || part >= parts) return;
      request.respond(bytes.subarray(part * limit, (part + 1) * limit));
      if (++fetched >= parts) holder.unsubscribe();
    },
  });
  setTimeout(() => holder.unsubscribe(), HOLD_MS).unref();
  const marker: ChunkedMarker = { chunked: { inbox, parts, bytes: bytes.length } };
  return msg.respond(new TextEncoder().encode(JSON.stringify(marker)));
};

/**
 * The whole reply: `data` itself, or, when it is a chunked marker, the body fetched part by
 * part from the responder.
 */
export const collectReply = async (
  nc: NatsConnection,
  data: Uint8Array,
  timeoutMs: number,
): Promise<Uint8Array> => {
  if (data.length > 512 || !new TextDecoder().decode(data).startsWith('{"chunked":')) return data;
  const marker = ChunkedMarker.safeParse(JSON.parse(new TextDecoder().decode(data)));
  if (!marker.success) return data;
  const { inbox, parts, bytes } = marker.data.chunked;
  const body = new Uint8Array(bytes);
  let offset = 0;
  for (let part = 0; part < parts; part++) {
    const reply = await nc.request(inbox, new TextEncoder().encode(String(part)), {
      timeout: timeoutMs,
    });
    body.set(reply.data, offset);
    offset += reply.data.length;
  }
  if (offset !== bytes) throw new Error(`a chunked reply had ${offset} of ${bytes} bytes`);
  return body;
};
