import { dockerNameOf, type ContainerEvent, type SealedImageSpec } from '@berth/contracts';
import { placeMany, type Candidate, type Demand } from '@berth/placement';
import type { NewId, Pool } from './schedule.js';
import type { GroupState, Replica, ScheduleState } from './schedule-state.js';

type Placed = Extract<ContainerEvent, { type: 'ContainerPlaced' }>;

const demandOf = (spec: SealedImageSpec): Demand => ({
  cpus: spec.cpus,
  memory: spec.memory,
  labels: spec.labels,
});

/** Candidates with their reservations, as working copies a batch may add to. */
export const candidatesOf = (pool: Pool, state: ScheduleState): Candidate[] =>
  pool.map((engine) => {
    const reserved = state.reserved.get(engine.id) ?? { cpus: 0, memory: 0 };
    return { ...engine, reservedCpus: reserved.cpus, reservedMemory: reserved.memory };
  });

/** Why no engine takes a replica, in words a user can act on. */
export const whyNoRoom = (pool: Pool, spec: SealedImageSpec): string => {
  const healthy = pool.filter((e) => e.schedulable);
  if (healthy.length === 0) return 'no healthy engine';
  const labelled = healthy.filter((e) => spec.labels.every((l) => e.labels.includes(l)));
  if (labelled.length === 0) return `no healthy engine has the labels ${spec.labels.join(', ')}`;
  return `not enough free CPU or memory (each replica reserves ${spec.cpus} CPU and ${spec.memory} MB)`;
};

export type Released = Extract<ContainerEvent, { type: 'ContainerReleased' }>;

/** A replica given up: its reservation returned, and with `remove` its container removed. */
export const released = (
  { container, group, engine, cpus, memory }: Replica,
  reason: string,
  remove: boolean,
): Released => ({
  type: 'ContainerReleased',
  data: { container, group, engine, cpus, memory, reason, remove },
});

/**
 * Places up to `count` replicas of a group one after another on the updated reservations, so
 * a batch spreads. Returns the events and how many found no room.
 */
export const place = (
  group: GroupState,
  count: number,
  candidates: Candidate[],
  newId: NewId,
  reason: string,
): { placed: Placed[]; unplaced: number } => {
  const demand = demandOf(group.spec);
  const engines = placeMany(candidates, demand, count);
  const placed = engines.map((engine): Placed => {
    const container = newId();
    return {
      type: 'ContainerPlaced',
      data: {
        container,
        group: group.id,
        engine: engine.id,
        name: dockerNameOf(container),
        cpus: demand.cpus,
        memory: demand.memory,
        reason,
        ...(group.revision > 1 ? { revision: group.revision } : {}),
      },
    };
  });
  return { placed, unplaced: count - engines.length };
};

/**
 * Which replicas to take away when scaling down: from the most loaded engine first (the lowest
 * thesis score after removal), the newest replica first among equals.
 */
export const surplus = (
  group: GroupState,
  count: number,
  state: ScheduleState,
  pool: Pool,
): Replica[] => {
  const members = [...group.members]
    .map((id) => state.replicas.get(id))
    .filter((r): r is Replica => r !== undefined);
  // All of them go (a scale to 0): there is nothing to choose, so nothing to sort.
  if (count >= members.length) return members;
  const load = new Map(candidatesOf(pool, state).map((c) => [c.id, c]));
  const chosen: Replica[] = [];
  for (let i = 0; i < count && members.length > 0; i++) {
    const fullness = (r: Replica) => {
      const engine = load.get(r.engine);
      // An engine no longer in the pool goes first: its replicas are the least useful.
      if (engine === undefined) return Infinity;
      return (
        (engine.reservedCpus / engine.cpus) * 65 + (engine.reservedMemory / engine.memory) * 35
      );
    };
    members.sort((a, b) => fullness(b) - fullness(a) || b.container.localeCompare(a.container));
    const replica = members.shift() as Replica;
    chosen.push(replica);
    const engine = load.get(replica.engine);
    if (engine !== undefined) {
      engine.reservedCpus -= replica.cpus;
      engine.reservedMemory -= replica.memory;
    }
  }
  return chosen;
};
