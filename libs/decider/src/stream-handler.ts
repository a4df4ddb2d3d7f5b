import type { CommandMetadata } from '@berth/contracts';
import { ConflictError, UnavailableError } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import type { Decider, DomainEvent } from './decider.js';
import { eventMetadataOf, type CommandOutcome } from './handle-command.js';

const MAX_ATTEMPTS = 20;

/**
 * `handleCommand` for one busy, long stream: the folded state and its version stay in memory
 * and only newer events are read; commands of this process run one at a time, so only other
 * processes cause version conflicts (retried). `evolve` may update the state in place.
 */
export const streamHandler = <Command, Event extends DomainEvent, State>(
  log: EventLog,
  decider: Decider<Command, Event, State>,
  stream: string,
) => {
  let state = decider.initialState;
  let version = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const catchUp = async () => {
    for (const event of await log.readStream(stream, version + 1)) {
      state = decider.evolve(state, event as unknown as Event);
      version = event.version;
    }
  };

  const attempt = async (command: Command, metadata: CommandMetadata): Promise<CommandOutcome> => {
    const eventMetadata = eventMetadataOf(metadata);
    for (let i = 1; i <= MAX_ATTEMPTS; i++) {
      const earlier = await log.readCommand(metadata.commandId);
      if (earlier.length > 0)
        return { position: earlier[earlier.length - 1]?.position ?? 0, events: earlier };
      await catchUp();
      const decided = decider.decide(command, state);
      if (decided.length === 0) return { position: await log.head(), events: [] };
      try {
        await log.append(
          stream,
          version,
          decided.map((e) => ({ ...e, metadata: eventMetadata })),
        );
        await catchUp();
        const appended = await log.readCommand(metadata.commandId);
        return { position: appended[appended.length - 1]?.position ?? 0, events: appended };
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3 * i));
      }
    }
    throw new UnavailableError(`stream ${stream} is too busy; try again`);
  };

  return {
    handle: (command: Command, metadata: CommandMetadata): Promise<CommandOutcome> => {
      const run = queue.then(() => attempt(command, metadata));
      queue = run.catch(() => undefined);
      return run;
    },
    /** The state as of the last event this process read (read-only). */
    current: async (): Promise<State> => {
      await (queue = queue.then(catchUp).catch(() => undefined));
      return state;
    },
  };
};
