import type Docker from 'dockerode';
import {
  containerStream,
  RestartContainer,
  StartContainer,
  StopContainer,
  type CommandMetadata,
} from '@berth/contracts';
import { serveCommand, type NatsConnection } from '@berth/bus';
import { fold, type CommandOutcome } from '@berth/decider';
import { NotFoundError, RejectedError, UnavailableError } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import { newCommandId } from '@berth/ids';
import { dockerReason, startContainer } from '../docker-ops.js';
import { containerDecider } from '../domain/container.js';
import { recordOnContainer } from '../record.js';
import type { ExecutorView } from '../executor-view.js';

const SERVICE = 'docker-executor';
type Action = 'start' | 'stop' | 'restart';

/**
 * Start, stop and restart, in queue group `berth.docker-executor`: any instance may act, since
 * each records Berth's intent on the container's stream before Docker's `die` can arrive.
 */
export const serveLifecycleCommands = (
  nc: NatsConnection,
  log: EventLog,
  view: ExecutorView,
  docker: (engine: string, timeoutMs: number) => Docker,
  stopGraceSeconds: number,
  /** Resolves once the router no longer sends the replica traffic (see RouteDrains). */
  untilDrained: (id: string) => Promise<void>,
) => {
  const act = async (action: Action, id: string, metadata: CommandMetadata) => {
    // A retry (same command id) answers what the first did, without touching Docker again.
    const earlier = await log.readCommand(metadata.commandId);
    if (earlier.length > 0)
      return { position: earlier[earlier.length - 1]?.position ?? 0, events: earlier };
    const state = fold(containerDecider, (await log.readStream(containerStream(id))) as never[]);
    if (state.status === 'none' || state.status === 'destroyed')
      throw new NotFoundError(`no container ${id}`, { field: 'id' });
    const released = view.replicas.get(id)?.released;
    if (released !== undefined)
      throw new RejectedError(
        `container ${id} ${released.remove ? 'is being removed' : 'failed and left its group'}`,
      );
    const client = docker(state.engine, (stopGraceSeconds + 10) * 1000);
    const container = client.getContainer(state.dockerId ?? '');
    const outcomes: CommandOutcome[] = [];
    // The intent carries the command's id; what Docker then did is a fact it caused.
    const record = async (command: Parameters<typeof recordOnContainer>[2], intent: boolean) =>
      outcomes.push(
        await recordOnContainer(
          log,
          id,
          command,
          intent
            ? metadata
            : {
                ...metadata,
                commandId: newCommandId(),
                correlationId: metadata.correlationId ?? metadata.commandId,
                causationId: metadata.commandId,
              },
        ),
      );
    try {
      if (action !== 'start') {
        await record({ type: 'RequestAction', container: id, action }, true);
        await untilDrained(id);
      }
      if (action === 'stop') await container.stop({ t: stopGraceSeconds }).catch(notModified);
      if (action === 'restart') await container.restart({ t: stopGraceSeconds });
      if (action === 'start') await startContainer(container);
    } catch (error) {
      if (error instanceof RejectedError || error instanceof NotFoundError) throw error;
      throw new UnavailableError(`docker could not ${action} ${id}: ${dockerReason(error)}`);
    }
    await record(
      { type: action === 'stop' ? 'RecordStopped' : 'RecordStarted', container: id },
      action === 'start',
    );
    return {
      position: Math.max(...outcomes.map((o) => o.position)),
      events: outcomes.flatMap((o) => o.events),
    };
  };

  const endpoints = (
    [
      ['StartContainer', StartContainer, 'start'],
      ['StopContainer', StopContainer, 'stop'],
      ['RestartContainer', RestartContainer, 'restart'],
    ] as const
  ).map(([type, schema, action]) =>
    serveCommand(nc, {
      type,
      schema,
      service: SERVICE,
      handle: ({ data, metadata }) => act(action, data.id, metadata),
    }),
  );
  return { stop: () => Promise.all(endpoints.map((e) => e.stop())) };
};

const notModified = (error: unknown) => {
  if ((error as { statusCode?: number }).statusCode !== 304) throw error;
};
