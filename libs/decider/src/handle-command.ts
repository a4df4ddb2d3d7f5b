import type { CommandMetadata, RecordedEvent } from '@berth/contracts';
import { ConflictError, UnavailableError } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import { fold, type Decider, type DomainEvent } from './decider.js';

export type CommandOutcome = { position: number; events: RecordedEvent[] };

/** The metadata a command's events carry; correlation and causation default to the command. */
export const eventMetadataOf = (metadata: CommandMetadata) => ({
  actor: metadata.actor,
  commandId: metadata.commandId,
  correlationId: metadata.correlationId ?? metadata.commandId,
  causationId: metadata.causationId ?? metadata.commandId,
});

const MAX_ATTEMPTS = 8;

/**
 * Load → decide → append with the stream's version, retried on conflict. A commandId that
 * already has events in the log returns them instead of deciding again, so a retry reaching
 * any instance, even after the first one died, appends nothing.
 */
export const handleCommand = async <Command, Event extends DomainEvent, State>(
  log: EventLog,
  decider: Decider<Command, Event, State>,
  stream: string,
  command: Command,
  metadata: CommandMetadata,
): Promise<CommandOutcome> => {
  const eventMetadata = eventMetadataOf(metadata);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const earlier = await log.readCommand(metadata.commandId);
    if (earlier.length > 0)
      return { position: earlier[earlier.length - 1]?.position ?? 0, events: earlier };

    const history = await log.readStream(stream);
    const state = fold(decider, history as unknown as Event[]);
    const decided = decider.decide(command, state);
    if (decided.length === 0) return { position: await log.head(), events: [] };
    try {
      const { events } = await log.append(
        stream,
        history[history.length - 1]?.version ?? 0,
        decided.map((e) => ({ ...e, metadata: eventMetadata })),
      );
      return { position: events[events.length - 1]?.position ?? 0, events };
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
  throw new UnavailableError(`stream ${stream} is too busy; try again`);
};
