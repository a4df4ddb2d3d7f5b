import {
  specView,
  usageOf,
  type ContainerEvent,
  type Container,
  type Group,
  type SpecView,
  type Usage,
} from '@berth/contracts';

type GroupRecord = {
  id: string;
  name?: string;
  owner: string;
  /** Secret variables by name only: the read model never holds their sealed values. */
  spec: SpecView;
  revision: number;
  update: Group['update'];
  desired: number;
  members: string[];
  pending: { missing: number; reason: string } | undefined;
  createdAt: string;
};

/** Reservations change with placements; the engines projection keeps them per engine. */
export type Reservations = { reserve: (engine: string, cpus: number, memory: number) => void };

/** Containers with state, engine and ports; groups with desired and actual counts; images. */
export class ContainersProjection {
  private readonly containers = new Map<string, Container>();
  private readonly groups = new Map<string, GroupRecord>();
  private readonly images = new Map<string, number>();

  constructor(private readonly reservations: Reservations) {}

  apply(event: ContainerEvent, at: string): void {
    switch (event.type) {
      case 'GroupCreated':
        this.groups.set(event.data.group, {
          id: event.data.group,
          ...(event.data.name === undefined ? {} : { name: event.data.name }),
          // Groups from before ownership was recorded belong to no account: admins only.
          owner: event.data.owner ?? '',
          spec: specView(event.data.spec),
          revision: 1,
          update: undefined,
          desired: event.data.desired,
          members: [],
          pending: undefined,
          createdAt: at,
        });
        return;
      case 'GroupUpdateStarted': {
        const { revision, spec, rollback, reason } = event.data;
        this.updateGroup(event.data.group, (g) => ({
          ...g,
          spec: specView(spec),
          revision,
          update: { revision, state: 'rolling', rollback, reason },
        }));
        return;
      }
      case 'GroupUpdateCompleted':
      case 'GroupUpdatePaused': {
        const done = event.type === 'GroupUpdateCompleted';
        this.updateGroup(event.data.group, (g) =>
          g.update?.revision === event.data.revision
            ? {
                ...g,
                update: {
                  ...g.update,
                  state: done ? 'completed' : 'paused',
                  ...(event.type === 'GroupUpdatePaused' ? { reason: event.data.reason } : {}),
                },
              }
            : g,
        );
        return;
      }
      case 'GroupScaled':
        this.updateGroup(event.data.group, (g) => ({ ...g, desired: event.data.desired }));
        return;
      case 'GroupPending': {
        const { missing, reason } = event.data;
        this.updateGroup(event.data.group, (g) => ({
          ...g,
          pending: missing > 0 ? { missing, reason } : undefined,
        }));
        return;
      }
      case 'ContainerPlaced': {
        const { container, group, engine, name, cpus, memory, revision = 1 } = event.data;
        this.containers.set(container, {
          id: container,
          name,
          group,
          owner: this.groups.get(group)?.owner ?? '',
          image: this.groups.get(group)?.spec.image ?? '',
          engine,
          state: 'pending',
          ports: [],
          createdAt: at,
          restarts: 0,
          health: null,
          cpus,
          memory,
          revision,
        });
        this.updateGroup(group, (g) => ({ ...g, members: [...g.members, container] }));
        this.reservations.reserve(engine, cpus, memory);
        return;
      }
      case 'ContainerReleased': {
        const { container, group, engine, cpus, memory, reason } = event.data;
        this.updateGroup(group, (g) => ({
          ...g,
          members: g.members.filter((m) => m !== container),
        }));
        this.reservations.reserve(engine, -cpus, -memory);
        // Leaving its group: one waiting for a restart will not get it.
        this.update(container, (c) => ({
          ...c,
          reason,
          ...(c.state === 'backoff' ? { state: 'stopped' as const } : {}),
        }));
        return;
      }
      case 'ContainerCreated': {
        const { dockerId, ports } = event.data;
        this.update(event.data.container, (c) => ({ ...c, dockerId, ports }));
        return;
      }
      case 'ContainerStarted':
        this.update(event.data.container, ({ reason: _reason, ...c }) => ({
          ...c,
          state: 'running',
          // Docker checks a fresh start from the beginning.
          health: this.groups.get(c.group)?.spec.healthcheck === undefined ? null : 'starting',
        }));
        return;
      case 'ContainerStopped':
        this.update(event.data.container, (c) => ({ ...c, state: 'stopped', health: null }));
        return;
      case 'ContainerDied':
      case 'ContainerFailed':
        this.update(event.data.container, (c) => ({
          ...c,
          state: event.type === 'ContainerDied' ? 'stopped' : 'failed',
          reason: event.data.reason,
          health: null,
        }));
        return;
      case 'ContainerBackoff': {
        const { reason, restarts, delayMs } = event.data;
        this.update(event.data.container, (c) => ({
          ...c,
          // Released from its group before the exit was recorded: no restart comes.
          state: this.groups.get(c.group)?.members.includes(c.id) === true ? 'backoff' : 'stopped',
          restarts,
          reason: `${reason}; restart ${restarts} in ${delayMs / 1000} s`,
          health: null,
        }));
        return;
      }
      case 'ContainerCompleted':
        this.update(event.data.container, (c) => ({
          ...c,
          state: 'completed',
          reason: `exited with code ${event.data.exitCode}`,
          health: null,
        }));
        return;
      case 'ContainerHealthChanged': {
        const { health, reason } = event.data;
        this.update(event.data.container, (c) => ({
          ...c,
          health,
          ...(reason === '' ? {} : { reason }),
        }));
        return;
      }
      case 'ContainerDestroyed':
        this.update(event.data.container, (c) => ({
          ...c,
          state: 'destroyed',
          reason: event.data.reason,
        }));
        return;
      case 'EngineImagesCounted':
        this.images.set(event.data.engine, event.data.images);
        return;
      case 'ContainerActionRequested':
      case 'DockerContainerEvent':
      case 'DockerEventsSuppressed':
        return;
      default:
        return exhaustive(event);
    }
  }

  /**
   * Pending, running and backing-off ones, or every one the model still holds; oldest first.
   * `owner` narrows every lookup to one account's: another's is as if absent.
   */
  list(all: boolean, group?: string, owner?: string): Container[] {
    return [...this.containers.values()].filter(
      (c) =>
        (all || c.state === 'pending' || c.state === 'running' || c.state === 'backoff') &&
        (group === undefined || c.group === group) &&
        (owner === undefined || c.owner === owner),
    );
  }

  /** By id, or by a prefix of it (any case); `candidates` has several when it is ambiguous. */
  find(idOrPrefix: string, owner?: string): { found?: Container; candidates: string[] } {
    const wanted = idOrPrefix.toUpperCase();
    const mine = (c: Container) => owner === undefined || c.owner === owner;
    const exact = this.containers.get(wanted);
    if (exact !== undefined && mine(exact)) return { found: exact, candidates: [wanted] };
    const candidates = [...this.containers.values()]
      .filter((c) => c.id.startsWith(wanted) && mine(c))
      .map((c) => c.id);
    const only = candidates.length === 1 ? this.containers.get(candidates[0] ?? '') : undefined;
    return only === undefined ? { candidates } : { found: only, candidates };
  }

  groupList(owner?: string): Group[] {
    return [...this.groups.values()]
      .filter((g) => owner === undefined || g.owner === owner)
      .map((g) => this.groupView(g));
  }

  /** By id, or by service name: the newest group that had the name (a live one holds it). */
  group(idOrName: string, owner?: string): Group | undefined {
    let record = this.groups.get(idOrName.toUpperCase());
    if (record === undefined)
      for (const g of this.groups.values()) if (g.name === idOrName) record = g;
    return record === undefined || (owner !== undefined && record.owner !== owner)
      ? undefined
      : this.groupView(record);
  }

  /** The account owning what an audit event is about (its group, or its container's group). */
  ownerOf(refs: { group?: string | undefined; container?: string | undefined }) {
    const group = refs.group ?? this.containers.get(refs.container ?? '')?.group;
    return group === undefined ? undefined : this.groups.get(group)?.owner;
  }

  /** What `owner`'s groups reserve against its quota, counted as the scheduler counts it. */
  usageOf(owner: string): Usage {
    return usageOf([...this.groups.values()].filter((g) => g.owner === owner));
  }

  /** Containers that exist in Docker, and images summed over the engines given. */
  counts(engines: readonly string[]): { containerCount: number; imageCount: number } {
    let containerCount = 0;
    for (const c of this.containers.values())
      if (c.dockerId !== undefined && c.state !== 'destroyed') containerCount++;
    const imageCount = engines.reduce((sum, e) => sum + (this.images.get(e) ?? 0), 0);
    return { containerCount, imageCount };
  }

  /** Destroyed containers leave the model now and then; the log keeps their history. */
  pruneDestroyed(): void {
    for (const [id, c] of this.containers) if (c.state === 'destroyed') this.containers.delete(id);
  }

  snapshot() {
    return {
      containers: [...this.containers.values()],
      groups: [...this.groups.values()],
      images: [...this.images.entries()],
    };
  }

  restore(snapshot: ReturnType<ContainersProjection['snapshot']>): void {
    for (const c of snapshot.containers) this.containers.set(c.id, c);
    for (const g of snapshot.groups) this.groups.set(g.id, g);
    for (const [engine, count] of snapshot.images) this.images.set(engine, count);
  }

  private groupView(g: GroupRecord): Group {
    const replicas = { pending: 0, running: 0, backoff: 0, stopped: 0, completed: 0, failed: 0 };
    for (const id of g.members) {
      const state = this.containers.get(id)?.state;
      if (state !== undefined && state !== 'destroyed' && state !== 'failed') replicas[state]++;
    }
    // A failed replica has left the group (its place is pending), but it is worth showing.
    for (const c of this.containers.values())
      if (c.group === g.id && c.state === 'failed') replicas.failed++;
    return {
      id: g.id,
      owner: g.owner,
      ...(g.name === undefined ? {} : { name: g.name }),
      image: g.spec.image,
      spec: g.spec,
      revision: g.revision,
      ...(g.update === undefined ? {} : { update: g.update }),
      desired: g.desired,
      replicas,
      containers: g.members,
      ...(g.pending === undefined ? {} : { pending: g.pending }),
      createdAt: g.createdAt,
    };
  }

  private update(id: string, change: (c: Container) => Container) {
    const container = this.containers.get(id);
    if (container !== undefined) this.containers.set(id, change(container));
  }

  private updateGroup(id: string, change: (g: GroupRecord) => GroupRecord) {
    const group = this.groups.get(id);
    if (group !== undefined) this.groups.set(id, change(group));
  }
}

function exhaustive(value: never): never {
  throw new Error(`unhandled: ${JSON.stringify(value)}`);
}
