import type { NatsConnection, Subscription } from 'nats';
import { queueGroupOf, subjects } from '@berth/contracts';
import { toErrorDetail } from '@berth/errors';
import type { z } from 'zod';
import { decode, encode, reply, request } from './wire.js';

export type QueryEndpoint<S extends z.ZodType, R> = {
  /** The query name; the subject is `berth.query.<name>`. */
  name: string;
  schema: S;
  /** The serving service; its instances share a queue group. */
  service: string;
  handle: (params: z.infer<S>) => Promise<R>;
};

/** Serves one read-only query. Queries change nothing, so there is nothing to dedupe. */
export const serveQuery = <S extends z.ZodType, R>(
  nc: NatsConnection,
  endpoint: QueryEndpoint<S, R>,
): { stop: () => Promise<void> } => {
  const subscription: Subscription = nc.subscribe(subjects.query(endpoint.name), {
    queue: queueGroupOf(endpoint.service),
    callback: (error, msg) => {
      if (error !== null) return;
      const answer = async () => {
        try {
          const result = await endpoint.handle(decode(endpoint.schema, msg.data));
          return { ok: true, result };
        } catch (failure) {
          return { ok: false, error: toErrorDetail(failure) };
        }
      };
      void answer().then((value) => reply(nc, msg, value));
    },
  });
  return { stop: () => subscription.drain() };
};

/** Asks a query of whichever instance serves it; throws its error or a timeout/unavailable. */
export const sendQuery = async <R>(
  nc: NatsConnection,
  name: string,
  params: unknown,
  options: { timeoutMs?: number } = {},
): Promise<R> => {
  const reply = await request(
    nc,
    subjects.query(name),
    encode(params),
    name,
    options.timeoutMs ?? 5000,
    2,
  );
  return (reply as { result: R }).result;
};
