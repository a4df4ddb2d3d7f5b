import type { Msg, NatsConnection, Subscription } from 'nats';
import {
  queueGroupOf,
  CommandId,
  subjects,
  type CommandReply,
  type RecordedEvent,
} from '@berth/contracts';
import { toErrorDetail } from '@berth/errors';
import { commandFinished } from '@berth/metrics';
import { z } from 'zod';
import { OutcomeCache } from './outcomes.js';
import { parseJson, reply, validate } from './wire.js';

export type CommandResult = { position: number; events: RecordedEvent[] };

export type CommandEndpoint<S extends z.ZodType> = {
  /** The command type; the subject is `berth.cmd.<type>`. */
  type: string;
  /** Validates the whole message `{ type, data, metadata }`. */
  schema: S;
  /** The owning service; its instances share one queue group so each command runs once. */
  service: string;
  handle: (command: z.infer<S>) => Promise<CommandResult>;
};

// Enough to find the commandId of a message whose body is otherwise invalid.
const Envelope = z.object({ metadata: z.object({ commandId: CommandId }) });

/**
 * Serves one command type over NATS request/reply. Bad messages get an `invalid` reply; any
 * error becomes an error reply (never a crash); a repeated commandId gets the first reply.
 */
export const serveCommand = <S extends z.ZodType>(
  nc: NatsConnection,
  endpoint: CommandEndpoint<S>,
  outcomes = new OutcomeCache(),
): { stop: () => Promise<void> } => {
  const subscription: Subscription = nc.subscribe(subjects.command(endpoint.type), {
    queue: queueGroupOf(endpoint.service),
    callback: (error, msg) => {
      if (error === null) void answer(msg);
    },
  });

  const execute = async (json: unknown): Promise<CommandReply> => {
    const started = performance.now();
    const reply = await attempt(json);
    commandFinished(
      endpoint.type,
      reply.ok ? 'ok' : reply.error.code,
      (performance.now() - started) / 1000,
    );
    return reply;
  };
  const attempt = async (json: unknown): Promise<CommandReply> => {
    try {
      const command = validate(endpoint.schema, json);
      const { position, events } = await endpoint.handle(command);
      return { ok: true, position, events };
    } catch (error) {
      return { ok: false, error: toErrorDetail(error) };
    }
  };

  // The message is parsed once: for its commandId (dedupe), then against the command's schema.
  const answer = async (msg: Msg) => {
    let json: unknown;
    try {
      json = parseJson(msg.data);
    } catch (error) {
      reply(nc, msg, { ok: false, error: toErrorDetail(error) } satisfies CommandReply);
      return;
    }
    const envelope = Envelope.safeParse(json);
    const outcome = envelope.success
      ? await outcomes.run(envelope.data.metadata.commandId, () => execute(json))
      : await execute(json);
    reply(nc, msg, outcome);
  };

  return { stop: () => subscription.drain() };
};
