import type { NatsConnection } from 'nats';
import { CommandSuccess, subjects, type CommandMetadata } from '@berth/contracts';
import type { CommandResult } from './command-server.js';
import { encode, request } from './wire.js';

export type Command = { type: string; data: unknown; metadata: CommandMetadata };

export type SendOptions = {
  /** How long one attempt waits for its reply. */
  timeoutMs?: number;
  /** Further attempts after a timeout or when no instance answers; same commandId each time. */
  retries?: number;
};

/**
 * Sends a command to its owning service and returns its events, or throws the service's
 * error. Retries reuse the commandId, so a command that did run is not run twice.
 */
export const sendCommand = async (
  nc: NatsConnection,
  command: Command,
  options: SendOptions = {},
): Promise<CommandResult> => {
  const reply = await request(
    nc,
    subjects.command(command.type),
    encode(command),
    command.type,
    options.timeoutMs ?? 5000,
    1 + (options.retries ?? 2),
  );
  const { position, events } = CommandSuccess.parse(reply);
  return { position, events };
};
