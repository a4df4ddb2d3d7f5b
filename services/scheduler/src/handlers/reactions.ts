import type { ContainerEvent, EngineEvent, RecordedEvent } from '@berth/contracts';
import { newCommandId, newId } from '@berth/ids';
import type { Logger } from '@berth/log';
import { unhealthy, type ClusterView } from '../cluster-view.js';
import type { ScheduleCommand } from '../domain/schedule.js';
import type { ScheduleState } from '../domain/schedule-state.js';
import type { ScheduleHandler } from '../start.js';

/**
 * Desired state: what the scheduler does when the cluster changes under it. A reaction's
 * commandId is the id of the event it answers, so when several scheduler instances react to
 * the same event only the first one's decision is recorded.
 */
export const scheduleReactions = (schedule: ScheduleHandler, view: ClusterView, logger: Logger) => {
  const run = async (command: ScheduleCommand, cause: RecordedEvent | undefined) => {
    const commandId = cause?.id ?? newCommandId();
    const metadata = {
      commandId,
      actor: 'scheduler',
      correlationId: cause?.metadata.correlationId ?? commandId,
      causationId: cause?.id ?? commandId,
    };
    try {
      await schedule.handle(command, metadata);
    } catch (error) {
      logger.warn({ err: error, command: command.type }, 'scheduler reaction failed');
    }
  };

  const replicasOn = (state: ScheduleState, engine: string) =>
    [...state.replicas.values()].filter((r) => r.engine === engine);

  /** Replaces replicas on engines that are gone, and dead ones; retries pending groups. */
  const reconcile = async (cause?: RecordedEvent) => {
    const state = await schedule.current();
    const moving = [...state.replicas.values()].flatMap((r) => {
      const why = view.gone(r.engine);
      const down = view.down.get(r.container);
      if (why !== undefined) return [{ id: r.container, reason: why }];
      if (down?.kind === 'died' || down?.kind === 'unhealthy')
        return [{ id: r.container, reason: down.reason }];
      return [];
    });
    for (const r of state.replicas.values()) {
      const down = view.down.get(r.container);
      if (down?.kind === 'failed')
        await run({ type: 'Fail', container: r.container, reason: down.reason }, undefined);
    }
    if (moving.length > 0)
      await run({ type: 'Replace', containers: moving, pool: view.pool(), newId }, cause);
    // A cause names one decision (its id is the commandId): a second one gets an id of its own.
    if (state.retrying.size > 0)
      await run({ type: 'Retry', pool: view.pool(), newId }, moving.length > 0 ? undefined : cause);
  };

  const replaceOne = (id: string, reason: string, cause: RecordedEvent) =>
    run({ type: 'Replace', containers: [{ id, reason }], pool: view.pool(), newId }, cause);

  /** Moves every rolling update one step on: what is ready, what failed, as this view sees it. */
  const stepUpdates = async () => {
    const state = await schedule.current();
    const now = Date.now();
    for (const id of state.rolling) {
      const group = state.groups.get(id);
      const update = group?.update;
      if (group === undefined || update?.state !== 'rolling') continue;
      const { revision, strategy } = update;
      const hasHealthcheck = group.revisions.get(revision)?.spec.healthcheck !== undefined;
      const ready = new Set<string>();
      const down = new Set<string>();
      let failing: string | undefined;
      for (const id of group.members) {
        const replica = state.replicas.get(id);
        const trouble = view.down.get(id);
        if (trouble !== undefined) down.add(id);
        if (replica?.revision !== revision) continue;
        if (trouble !== undefined) {
          failing ??= `replica ${id}: ${trouble.reason}`;
          continue;
        }
        const since = view.readySince(id, hasHealthcheck);
        if (since !== undefined && now - since >= strategy.monitorSeconds * 1000) ready.add(id);
        else if (
          since === undefined &&
          view.placedFor(id, now) > strategy.readyTimeoutSeconds * 1000
        )
          failing ??= `replica ${id} not ready within ${strategy.readyTimeoutSeconds} s`;
      }
      await run(
        { type: 'Step', group: group.id, ready, down, failing, pool: view.pool(), newId },
        undefined,
      );
    }
  };

  /** Whether a replica is a new one of a rolling update: its trouble fails the update instead. */
  const rollingOut = async (container: string) => {
    const state = await schedule.current();
    const replica = state.replicas.get(container);
    const update = replica === undefined ? undefined : state.groups.get(replica.group)?.update;
    return update?.state === 'rolling' && update.revision === replica?.revision;
  };

  const react = async (recorded: RecordedEvent) => {
    const event = recorded as unknown as EngineEvent | ContainerEvent;
    switch (event.type) {
      case 'EngineHealthChanged':
      case 'EngineLost':
      case 'EngineRemoved': {
        const why = view.gone(event.data.id);
        if (why === undefined) return reconcile(recorded); // healthy again: room for pending
        const replicas = replicasOn(await schedule.current(), event.data.id);
        if (replicas.length === 0) return;
        const containers = replicas.map((r) => ({ id: r.container, reason: why }));
        return run({ type: 'Replace', containers, pool: view.pool(), newId }, recorded);
      }
      case 'EngineAdded':
        return reconcile(recorded);
      case 'ContainerDied':
        if (await rollingOut(event.data.container)) await stepUpdates();
        return replaceOne(event.data.container, `died: ${event.data.reason}`, recorded);
      case 'ContainerHealthChanged':
        if (event.data.health !== 'unhealthy') return stepUpdates();
        if (await rollingOut(event.data.container)) return stepUpdates();
        return replaceOne(event.data.container, unhealthy(event.data), recorded);
      case 'ContainerStarted':
      case 'ContainerBackoff':
      case 'ContainerPlaced':
      case 'GroupUpdateStarted':
        return stepUpdates();
      case 'ContainerFailed':
        if (await rollingOut(event.data.container)) await stepUpdates();
        return run(
          { type: 'Fail', container: event.data.container, reason: event.data.reason },
          recorded,
        );
      case 'ContainerReleased': {
        const state = await schedule.current();
        if (state.retrying.size > 0)
          await run({ type: 'Retry', pool: view.pool(), newId }, recorded);
        return stepUpdates();
      }
      default:
        return;
    }
  };

  return { react, reconcile, stepUpdates };
};
