import { ErrorCode as NatsErrorCode, type NatsConnection, type NatsError } from 'nats';
import { CommandReply, subjects, type CommandMetadata } from '@berth/contracts';
import { fromDetail, TimeoutError, UnavailableError } from '@berth/errors';
import type { CommandResult } from './command-server.js';
import { decode, encode } from './wire.js';

export type Command = { type: string; data: unknown; metadata: CommandMetadata };

export type SendOptions = {
  /** How long one attempt waits for its reply. */
  timeoutMs?: number;
  /** Further attempts after a timeout or when no instance answers; same commandId each time. */
  retries?: number;
};

const isNatsError = (error: unknown, code: string) =>
  error instanceof Error && (error as NatsError).code === code;

/**
 * Sends a command to its owning service and returns its events, or throws the service's
 * error. Retries reuse the commandId, so a command that did run is not run twice.
 */
export const sendCommand = async (
  nc: NatsConnection,
  command: Command,
  options: SendOptions = {},
): Promise<CommandResult> => {
  const timeoutMs = options.timeoutMs ?? 5000;
  const attempts = 1 + (options.retries ?? 2);
  const payload = encode(command);
  let lastError: Error = new UnavailableError(`no service answers ${command.type}`);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const msg = await nc.request(subjects.command(command.type), payload, { timeout: timeoutMs });
      const reply = decode(CommandReply, msg.data);
      if (!reply.ok) throw fromDetail(reply.error);
      return { position: reply.position, events: reply.events };
    } catch (error) {
      if (isNatsError(error, NatsErrorCode.NoResponders)) {
        lastError = new UnavailableError(`no service answers ${command.type}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      } else if (isNatsError(error, NatsErrorCode.Timeout)) {
        lastError = new TimeoutError(`${command.type} got no reply within ${timeoutMs} ms`, {
          cause: error,
        });
      } else {
        throw error;
      }
    }
  }
  throw lastError;
};
