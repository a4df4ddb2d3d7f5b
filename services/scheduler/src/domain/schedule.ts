import { isDeepStrictEqual } from 'node:util';
import {
  hostEscapes,
  type ContainerEvent,
  type Quota,
  type SpecChange,
  SealedImageSpec,
  type UpdateStrategy,
} from '@berth/contracts';
import type { Decider } from '@berth/decider';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RejectedError,
  ValidationError,
} from '@berth/errors';
import type { Candidate } from '@berth/placement';
import { checkQuota, checkUpdateQuota } from './quota-checks.js';
import {
  candidatesOf,
  place,
  released,
  surplus,
  whyNoRoom,
  type Released,
} from './replica-placement.js';
import { DEFAULT_STRATEGY, stepUpdate, updateStarted } from './rolling-update.js';
import {
  evolveSchedule,
  firstRevision,
  initialScheduleState,
  type GroupState,
  type ScheduleState,
} from './schedule-state.js';

/** The engines as the scheduler sees them now: capacity, labels, health. No reservations. */
export type Pool = readonly Omit<Candidate, 'reservedCpus' | 'reservedMemory'>[];
export type NewId = () => string;
/** The quota in force for an account, as the scheduler last read it from the log. */
export type QuotaLookup = (owner: string) => Quota;

export type ScheduleCommand =
  | {
      type: 'Run';
      group: string;
      /** Its secret variables already sealed (the command handler seals them). */
      spec: SealedImageSpec;
      count: number;
      pull: boolean;
      name?: string | undefined;
      /** Only an admin's spec may reach the engine's host (host paths, host network…). */
      byAdmin: boolean;
      /** The account running it; the group is its own. */
      owner: string;
      pool: Pool;
      newId: NewId;
      quotaOf: QuotaLookup;
    }
  | {
      type: 'Scale';
      group?: string;
      container?: string;
      count: number;
      pool: Pool;
      newId: NewId;
      quotaOf: QuotaLookup;
    }
  | { type: 'Destroy'; container: string }
  /** Replicas whose engine is gone or which died outside Berth: released and placed again. */
  | {
      type: 'Replace';
      containers: readonly { id: string; reason: string }[];
      pool: Pool;
      newId: NewId;
    }
  /** A replica that could not be created: released, and not retried on its own. */
  | { type: 'Fail'; container: string; reason: string }
  /** Places what groups still miss for lack of room, now that the pool changed. */
  | { type: 'Retry'; pool: Pool; newId: NewId }
  /** A new revision of a group's spec (the fields given replace the current ones). */
  | {
      type: 'Update';
      group: string;
      spec: SpecChange;
      /** The group pulls and its image's digest moved: the same spec is a new revision too. */
      imageChanged?: boolean | undefined;
      strategy: UpdateStrategy;
      byAdmin: boolean;
      quotaOf: QuotaLookup;
    }
  /** Back to the spec before the current revision's update. */
  | { type: 'Rollback'; group: string; reason: string }
  /**
   * The next step of a group's rolling update: `ready` holds its new replicas that have proved
   * themselves, `failing` why one of them failed, if one did.
   */
  | {
      type: 'Step';
      group: string;
      ready: ReadonlySet<string>;
      /** Replicas that died, failed or turned unhealthy: the first old ones to go. */
      down: ReadonlySet<string>;
      failing: string | undefined;
      pool: Pool;
      newId: NewId;
    };

type Pending = Extract<ContainerEvent, { type: 'GroupPending' }>;

/**
 * A group's failed replicas, released again with `remove` (nothing left to return): a scale or
 * destroy that takes them away takes them off Docker too.
 */
const discardFailed = (state: ScheduleState, group: string, reason: string): Released[] =>
  [...state.failed.values()]
    .filter((r) => r.group === group)
    .map((r) => released({ ...r, cpus: 0, memory: 0 }, reason, true));

const groupOf = (state: ScheduleState, id: string): GroupState => {
  const group = state.groups.get(id);
  if (group === undefined) throw new NotFoundError(`no group ${id}`, { field: 'group' });
  return group;
};

/**
 * The group a pulling update would leave with the spec it has — the case where only a new
 * image digest behind the same reference can make it a change. Undefined otherwise.
 */
export const pullingWithSameSpec = (
  state: ScheduleState,
  group: string,
  change: SpecChange,
): GroupState | undefined => {
  const current = state.groups.get(group);
  if (current === undefined || !current.pull) return undefined;
  const merged = SealedImageSpec.safeParse({ ...current.spec, ...change });
  return merged.success && isDeepStrictEqual(merged.data, current.spec) ? current : undefined;
};

/** The group's spec with a change over it, checked whole (sealed `secretEnv` values included). */
const mergedSpec = (current: SealedImageSpec, change: SpecChange): SealedImageSpec => {
  const merged = SealedImageSpec.safeParse({ ...current, ...change });
  if (!merged.success) {
    const [issue] = merged.error.issues;
    throw new ValidationError(issue?.message ?? 'invalid spec', {
      field: ['spec', ...(issue?.path ?? [])].join('.'),
    });
  }
  const clash = Object.keys(merged.data.secretEnv ?? {}).find(
    (n) => merged.data.env?.[n] !== undefined,
  );
  if (clash !== undefined)
    throw new ValidationError(`${clash} is in env and secretEnv; give it once`, {
      field: `spec.secretEnv.${clash}`,
    });
  return merged.data;
};

/** A group holds its name while it wants or still has replicas. */
const isLive = (group: GroupState) => group.desired > 0 || group.members.size > 0;

const pendingIfShort = (
  group: GroupState,
  missing: number,
  reason: string,
  retry: boolean,
): Pending[] =>
  missing > 0 || group.pending !== undefined
    ? [{ type: 'GroupPending', data: { group: group.id, missing, reason, retry } }]
    : [];

export const scheduleDecider: Decider<ScheduleCommand, ContainerEvent, ScheduleState> = {
  get initialState(): ScheduleState {
    return initialScheduleState();
  },

  decide(command, state) {
    switch (command.type) {
      case 'Run': {
        const [escape] = command.byAdmin ? [] : hostEscapes(command.spec);
        if (escape !== undefined)
          throw new ForbiddenError(`${escape.field}: ${escape.reason}`, { field: escape.field });
        const name = command.name;
        if (name !== undefined) {
          for (const other of state.groups.values()) {
            if (other.name === name && isLive(other))
              throw new ConflictError(`service ${name} exists (group ${other.id})`, {
                field: 'name',
              });
          }
        }
        checkQuota(state, command.owner, command.quotaOf, command.count, command.spec);
        const group: GroupState = {
          ...firstRevision(command.group, command.spec),
          name,
          owner: command.owner,
          pull: command.pull,
          desired: command.count,
          members: new Set(),
          pending: undefined,
        };
        const { placed, unplaced } = place(
          group,
          command.count,
          candidatesOf(command.pool, state),
          command.newId,
          'run',
        );
        if (unplaced > 0) {
          throw new RejectedError(
            `only ${placed.length} of ${command.count} replicas fit: ${whyNoRoom(command.pool, command.spec)}`,
            { field: 'count' },
          );
        }
        return [
          {
            type: 'GroupCreated',
            data: {
              group: group.id,
              spec: group.spec,
              desired: group.desired,
              pull: group.pull,
              ...(name === undefined ? {} : { name }),
              owner: command.owner,
            },
          },
          ...placed,
        ];
      }
      case 'Scale': {
        const named = command.container ?? '';
        const groupId =
          command.group ?? (state.replicas.get(named) ?? state.failed.get(named))?.group;
        if (groupId === undefined) {
          throw new NotFoundError(`no running replica ${command.container ?? ''}`, {
            field: 'container',
          });
        }
        const group = groupOf(state, groupId);
        // Only more replicas than it wants count against the owner's quota: fewer always pass.
        if (command.count > group.desired)
          checkQuota(
            state,
            group.owner,
            command.quotaOf,
            command.count - group.desired,
            group.spec,
          );
        const scaled: ContainerEvent[] =
          command.count === group.desired
            ? []
            : [
                {
                  type: 'GroupScaled',
                  data: { group: group.id, desired: command.count, previous: group.desired },
                },
              ];
        const have = group.members.size;
        // Failed replicas are replaced by the scale (or no longer wanted): off Docker with them.
        const discarded = discardFailed(state, group.id, 'scaled: a failed replica removed');
        if (command.count < have) {
          const gone = surplus(group, have - command.count, state, command.pool);
          return [
            ...scaled,
            ...discarded,
            ...gone.map((r) => released(r, 'scaled down', true)),
            ...pendingIfShort(group, 0, '', true),
          ];
        }
        const { placed, unplaced } = place(
          group,
          command.count - have,
          candidatesOf(command.pool, state),
          command.newId,
          'scaled up',
        );
        if (unplaced > 0) {
          throw new RejectedError(
            `only ${placed.length} of ${command.count - have} more replicas fit: ${whyNoRoom(command.pool, group.spec)}`,
            { field: 'count' },
          );
        }
        // Scaling to the count it already wants places what it lacks: the way to retry failures.
        return [...scaled, ...discarded, ...placed, ...pendingIfShort(group, 0, '', true)];
      }
      case 'Destroy': {
        const replica = state.replicas.get(command.container);
        const failed = state.failed.get(command.container);
        if (replica === undefined && failed !== undefined) {
          const group = groupOf(state, failed.group);
          const desired = group.desired - 1;
          const { reason = '', retry = false } = group.pending ?? {};
          return [
            released({ ...failed, cpus: 0, memory: 0 }, 'destroyed', true),
            { type: 'GroupScaled', data: { group: group.id, desired, previous: group.desired } },
            ...pendingIfShort(group, Math.max(0, desired - group.members.size), reason, retry),
          ];
        }
        if (replica === undefined) {
          throw new NotFoundError(`no running replica ${command.container}`, { field: 'id' });
        }
        const group = groupOf(state, replica.group);
        return [
          released(replica, 'destroyed', true),
          {
            type: 'GroupScaled',
            data: { group: group.id, desired: group.desired - 1, previous: group.desired },
          },
        ];
      }
      case 'Replace': {
        const events: ContainerEvent[] = [];
        const candidates = candidatesOf(command.pool, state);
        const short = new Map<GroupState, { missing: number; why: string }>();
        for (const { id, reason } of command.containers) {
          const replica = state.replicas.get(id);
          if (replica === undefined) continue;
          events.push(released(replica, reason, true));
          const candidate = candidates.find((c) => c.id === replica.engine);
          if (candidate !== undefined) {
            candidate.reservedCpus -= replica.cpus;
            candidate.reservedMemory -= replica.memory;
          }
          const group = groupOf(state, replica.group);
          // Not back onto the engine it is being taken off.
          const others = candidates.filter((c) => c.id !== replica.engine);
          const { placed } = place(group, 1, others, command.newId, `replaces ${id}: ${reason}`);
          events.push(...placed);
          if (placed.length === 0) {
            const already = Math.max(0, group.desired - group.members.size);
            const entry = short.get(group) ?? { missing: already, why: '' };
            short.set(group, {
              missing: entry.missing + 1,
              why: whyNoRoom(command.pool, group.spec),
            });
          }
        }
        for (const [group, { missing, why }] of short) {
          events.push(...pendingIfShort(group, missing, `no room for replacements: ${why}`, true));
        }
        return events;
      }
      case 'Fail': {
        const replica = state.replicas.get(command.container);
        if (replica === undefined) return [];
        const group = groupOf(state, replica.group);
        const missing = group.desired - group.members.size + 1;
        return [
          released(replica, `failed: ${command.reason}`, false),
          ...pendingIfShort(group, missing, `a replica failed: ${command.reason}`, false),
        ];
      }
      case 'Retry': {
        const events: ContainerEvent[] = [];
        const candidates = candidatesOf(command.pool, state);
        for (const group of state.groups.values()) {
          if (group.pending?.retry !== true) continue;
          const missing = group.desired - group.members.size;
          const { placed, unplaced } = place(
            group,
            Math.max(0, missing),
            candidates,
            command.newId,
            'was pending',
          );
          if (placed.length === 0 && unplaced === group.pending.missing) continue;
          events.push(
            ...placed,
            ...pendingIfShort(group, unplaced, whyNoRoom(command.pool, group.spec), true),
          );
        }
        return events;
      }
      case 'Update': {
        const group = groupOf(state, command.group);
        const spec = mergedSpec(group.spec, command.spec);
        // The new spec reserves what the old one did, and what its limits add, per replica.
        checkUpdateQuota(state, group, command.quotaOf, spec);
        const [escape] = command.byAdmin ? [] : hostEscapes(spec);
        if (escape !== undefined)
          throw new ForbiddenError(`${escape.field}: ${escape.reason}`, {
            field: `spec.${escape.field}`,
          });
        const same = isDeepStrictEqual(spec, group.spec);
        if (same && command.imageChanged !== true && group.update?.state !== 'paused') return [];
        return [
          updateStarted(group, spec, command.strategy, {
            rollback: false,
            previous: group.revision,
            reason: same && command.imageChanged === true ? 'a new image digest' : 'updated',
          }),
        ];
      }
      case 'Rollback': {
        const group = groupOf(state, command.group);
        const target = group.update?.previous;
        const back = target === undefined ? undefined : group.revisions.get(target);
        if (target === undefined || back === undefined)
          throw new ConflictError(`group ${group.id} has no earlier revision to roll back to`, {
            field: 'group',
          });
        return [
          updateStarted(group, back.spec, group.update?.strategy ?? DEFAULT_STRATEGY, {
            rollback: true,
            previous: back.previous,
            reason: command.reason,
          }),
        ];
      }
      case 'Step':
        return stepUpdate(state, command);
      default:
        return exhaustive(command);
    }
  },

  evolve: evolveSchedule,
};

function exhaustive(value: never): never {
  throw new Error(`unhandled: ${JSON.stringify(value)}`);
}
