// A group's rolling update: what each step does (planRollingStep, pure) and the events that do
// it (stepUpdate, on the schedule's state).
import type { ContainerEvent, SealedImageSpec, UpdateStrategy } from '@berth/contracts';
import { candidatesOf, place, released } from './replica-placement.js';
import type { ScheduleCommand } from './schedule.js';
import type { GroupState, Replica, ScheduleState } from './schedule-state.js';

export type RollingInput = {
  desired: number;
  /** The revision being rolled out. */
  revision: number;
  strategy: Pick<UpdateStrategy, 'parallelism' | 'order'>;
  members: readonly { container: string; revision: number }[];
  /** New replicas that have been ready for the strategy's monitor window. */
  ready: ReadonlySet<string>;
};

export type RollingStep =
  | { done: true }
  | {
      done: false;
      /** Old replicas to take away now. */
      release: string[];
      /** New replicas to place now. */
      place: number;
      /** Old replicas still in the group, and new ones not yet counted ready. */
      old: string[];
      inflight: number;
    };

/**
 * The next step of a rolling update, from what the group has now. `start-first` keeps at least
 * `desired` ready replicas: an old one goes only when a new one has proved itself, and at most
 * `parallelism` new ones are on their way at once (the group briefly has that many more).
 * `stop-first` takes `parallelism` old ones away, then places their successors.
 */
export const planRollingStep = ({
  desired,
  revision,
  strategy,
  members,
  ready,
}: RollingInput): RollingStep => {
  const fresh = members.filter((m) => m.revision === revision);
  const old = members.filter((m) => m.revision !== revision).map((m) => m.container);
  const freshReady = fresh.filter((m) => ready.has(m.container)).length;
  const inflight = fresh.length - freshReady;
  if (old.length === 0 && inflight === 0 && fresh.length >= desired) return { done: true };

  const { parallelism } = strategy;
  const slots = Math.max(0, parallelism - inflight);
  if (strategy.order === 'start-first') {
    const releasable = Math.max(0, Math.min(old.length, freshReady + old.length - desired));
    const remaining = old.length - releasable;
    const place = Math.max(
      0,
      Math.min(slots, desired - fresh.length, desired + parallelism - fresh.length - remaining),
    );
    return { done: false, release: old.slice(0, releasable), place, old, inflight };
  }
  // Old replicas beyond what the group wants go at once; the rest `parallelism` at a time.
  const beyond = Math.max(0, old.length + fresh.length - desired);
  const release = old.slice(0, Math.min(old.length, Math.max(slots, beyond)));
  const place = Math.max(0, Math.min(slots, desired - fresh.length));
  return { done: false, release, place, old, inflight };
};

export const DEFAULT_STRATEGY: UpdateStrategy = {
  parallelism: 1,
  order: 'start-first',
  monitorSeconds: 5,
  readyTimeoutSeconds: 60,
  failureAction: 'rollback',
};

/** A new revision's rolling update begins (or a rollback to an earlier one). */
export const updateStarted = (
  group: GroupState,
  spec: SealedImageSpec,
  strategy: UpdateStrategy,
  how: { rollback: boolean; previous: number | undefined; reason: string },
): ContainerEvent => ({
  type: 'GroupUpdateStarted',
  data: {
    group: group.id,
    revision: Math.max(...group.revisions.keys()) + 1,
    spec,
    strategy,
    rollback: how.rollback,
    ...(how.previous === undefined ? {} : { previous: how.previous }),
    reason: how.reason,
  },
});

/** One step of a rolling update: release proven-out old replicas, place new ones, or finish. */
export const stepUpdate = (
  state: ScheduleState,
  command: Extract<ScheduleCommand, { type: 'Step' }>,
): ContainerEvent[] => {
  const group = state.groups.get(command.group);
  const update = group?.update;
  if (group === undefined || update === undefined || update.state !== 'rolling') return [];
  const { revision } = update;
  if (command.failing !== undefined) {
    const reason = `revision ${revision} failed: ${command.failing}`;
    const back = update.previous === undefined ? undefined : group.revisions.get(update.previous);
    if (update.strategy.failureAction === 'rollback' && !update.rollback && back !== undefined)
      return [
        updateStarted(group, back.spec, update.strategy, {
          rollback: true,
          previous: back.previous,
          reason,
        }),
      ];
    return [{ type: 'GroupUpdatePaused', data: { group: group.id, revision, reason } }];
  }
  const members = [...group.members]
    .map((id) => state.replicas.get(id))
    .filter((r): r is Replica => r !== undefined)
    .sort((a, b) => Number(command.down.has(b.container)) - Number(command.down.has(a.container)));
  const step = planRollingStep({
    desired: group.desired,
    revision,
    strategy: update.strategy,
    members,
    ready: command.ready,
  });
  if (step.done) return [{ type: 'GroupUpdateCompleted', data: { group: group.id, revision } }];
  const candidates = candidatesOf(command.pool, state);
  const release = (ids: readonly string[]) =>
    ids.map((id) => {
      const replica = state.replicas.get(id) as Replica;
      const engine = candidates.find((c) => c.id === replica.engine);
      if (engine !== undefined) {
        engine.reservedCpus -= replica.cpus;
        engine.reservedMemory -= replica.memory;
      }
      return released(replica, `replaced by revision ${revision}`, true);
    });
  const gone = release(step.release);
  const reason = `${update.rollback ? 'rollback' : 'update'} to revision ${revision}`;
  const { placed } = place(group, step.place, candidates, command.newId, reason);
  // No room to start a new replica beside the old ones: make room by stopping one first.
  if (placed.length === 0 && gone.length === 0 && step.inflight === 0 && step.place > 0) {
    const first = release(step.old.slice(0, 1));
    return [...first, ...place(group, 1, candidates, command.newId, reason).placed];
  }
  return [...gone, ...placed];
};
