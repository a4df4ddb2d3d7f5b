import {
  NOTHING_USED,
  plus,
  reservationOf,
  type ContainerEvent,
  type SealedImageSpec,
  type UpdateStrategy,
  type Usage,
} from '@berth/contracts';
import { respecified } from './quota-checks.js';

// What the scheduler knows, folded from its one long stream: groups, replicas and what each
// engine and owner has reserved. The decisions on it are in schedule.ts.

export type Replica = {
  container: string;
  group: string;
  engine: string;
  cpus: number;
  memory: number;
  /** The group's spec revision it runs. */
  revision: number;
};
export type RollingUpdate = {
  revision: number;
  strategy: UpdateStrategy;
  rollback: boolean;
  /** Where a rollback from this revision returns to. */
  previous: number | undefined;
  state: 'rolling' | 'paused' | 'done';
};
export type GroupState = {
  id: string;
  name: string | undefined;
  /** The account that ran it ('' for groups from before owners were recorded). */
  owner: string;
  /** The current revision's spec: what new replicas run. */
  spec: SealedImageSpec;
  revision: number;
  /** Every revision's spec, and where a rollback from it returns to. */
  revisions: Map<number, { spec: SealedImageSpec; previous: number | undefined }>;
  update: RollingUpdate | undefined;
  pull: boolean;
  desired: number;
  members: Set<string>;
  pending: { missing: number; reason: string; retry: boolean } | undefined;
};

/** Every group's desired count and replicas, and what each engine has reserved. */
export type ScheduleState = {
  groups: Map<string, GroupState>;
  /** Replicas holding a reservation, by container id. */
  replicas: Map<string, Replica>;
  reserved: Map<string, { cpus: number; memory: number }>;
  /** Failed replicas, released without reservation but still in Docker for their logs. */
  failed: Map<string, Replica>;
  /** What each owner's groups reserve (desired replicas × spec), as its quota counts it. */
  usage: Map<string, Usage>;
  /**
   * Ids of the groups with a rolling update under way, and of those waiting for room to place
   * (pending, to retry): what reactions to every placement and release visit, rather than
   * walking every group the log ever had.
   */
  rolling: Set<string>;
  retrying: Set<string>;
};

export const initialScheduleState = (): ScheduleState => ({
  groups: new Map(),
  replicas: new Map(),
  reserved: new Map(),
  failed: new Map(),
  usage: new Map(),
  rolling: new Set(),
  retrying: new Set(),
});

/** Updates the state in place: the scheduler folds one long stream (see streamHandler). */
export const evolveSchedule = (state: ScheduleState, event: ContainerEvent): ScheduleState => {
  switch (event.type) {
    case 'GroupCreated': {
      const owner = event.data.owner ?? '';
      state.groups.set(event.data.group, {
        ...firstRevision(event.data.group, event.data.spec),
        name: event.data.name,
        owner,
        pull: event.data.pull,
        desired: event.data.desired,
        members: new Set(),
        pending: undefined,
      });
      addUsage(state, owner, reservationOf(event.data.desired, event.data.spec));
      return state;
    }
    case 'GroupScaled': {
      const group = state.groups.get(event.data.group);
      if (group === undefined) return state;
      addUsage(state, group.owner, reservationOf(event.data.desired - group.desired, group.spec));
      group.desired = event.data.desired;
      return state;
    }
    case 'GroupPending': {
      const group = state.groups.get(event.data.group);
      if (group !== undefined) {
        const { missing, reason, retry } = event.data;
        group.pending = missing > 0 ? { missing, reason, retry } : undefined;
        if (group.pending?.retry === true) state.retrying.add(group.id);
        else state.retrying.delete(group.id);
      }
      return state;
    }
    case 'GroupUpdateStarted': {
      const group = state.groups.get(event.data.group);
      if (group === undefined) return state;
      const { revision, spec, strategy, rollback, previous } = event.data;
      addUsage(state, group.owner, respecified(group, spec));
      group.revisions.set(revision, { spec, previous });
      Object.assign(group, {
        spec,
        revision,
        update: { revision, strategy, rollback, previous, state: 'rolling' },
      });
      state.rolling.add(group.id);
      return state;
    }
    case 'GroupUpdateCompleted':
    case 'GroupUpdatePaused': {
      const update = state.groups.get(event.data.group)?.update;
      if (update?.revision === event.data.revision) {
        update.state = event.type === 'GroupUpdateCompleted' ? 'done' : 'paused';
        state.rolling.delete(event.data.group);
      }
      return state;
    }
    case 'ContainerPlaced': {
      const { container, group, engine, cpus, memory, revision = 1 } = event.data;
      state.replicas.set(container, { container, group, engine, cpus, memory, revision });
      state.groups.get(group)?.members.add(container);
      reserve(state, engine, cpus, memory);
      return state;
    }
    case 'ContainerReleased': {
      const { container, group, engine, cpus, memory, remove } = event.data;
      const held = state.replicas.get(container);
      if (state.replicas.delete(container)) reserve(state, engine, -cpus, -memory);
      if (remove) state.failed.delete(container);
      else if (held !== undefined) state.failed.set(container, held);
      state.groups.get(group)?.members.delete(container);
      return state;
    }
    default:
      return state;
  }
};

/** A new group's first revision: the spec it was run with. */
export const firstRevision = (id: string, spec: SealedImageSpec) => ({
  id,
  spec,
  revision: 1,
  revisions: new Map([[1, { spec, previous: undefined }]]),
  update: undefined,
});

const addUsage = (state: ScheduleState, owner: string, change: Usage) =>
  state.usage.set(owner, plus(state.usage.get(owner) ?? NOTHING_USED, change));

const reserve = (state: ScheduleState, engine: string, cpus: number, memory: number) => {
  const now = state.reserved.get(engine) ?? { cpus: 0, memory: 0 };
  state.reserved.set(engine, { cpus: now.cpus + cpus, memory: now.memory + memory });
};
