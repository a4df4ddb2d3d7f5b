import { containerStream, type CommandMetadata, type RecordedEvent } from '@berth/contracts';
import { handleCommand } from '@berth/decider';
import type { EventLog } from '@berth/eventlog';
import { newCommandId } from '@berth/ids';
import { containerDecider, type ContainerCommand } from './domain/container.js';

/** Records a fact on `container-<id>` through the container decider (deduped, versioned). */
export const recordOnContainer = (
  log: EventLog,
  id: string,
  command: ContainerCommand,
  metadata: CommandMetadata,
) => handleCommand(log, containerDecider, containerStream(id), command, metadata);

/** Metadata of work the executor does because of an event: caused by it, in its correlation. */
export const causedBy = (event: RecordedEvent): CommandMetadata => ({
  commandId: newCommandId(),
  actor: 'docker-executor',
  correlationId: event.metadata.correlationId,
  causationId: event.id,
});
