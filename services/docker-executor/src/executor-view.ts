import type {
  ContainerEvent,
  EngineEvent,
  RecordedEvent,
  RegistryEvent,
  SealedImageSpec,
} from '@berth/contracts';

export type EngineInfo = {
  id: string;
  addr: string;
  /** Sealed TLS material; opened only to talk to the engine. */
  tls: string | undefined;
  healthy: boolean;
};

export type Replica = {
  id: string;
  group: string;
  engine: string;
  name: string;
  cpus: number;
  memory: number;
  /** The group's spec revision it runs. */
  revision: number;
  /** The Placed event, the cause of creating it. */
  placedBy: RecordedEvent;
  /** Set once the scheduler released it; `remove` asks to take it off Docker. */
  released?: { reason: string; remove: boolean; by: RecordedEvent };
  /** What the executor last recorded on `container-<id>`. */
  outcome: 'none' | 'created' | 'failed';
  /** Exited by itself: to be started again at `until` (epoch ms), as `by` recorded. */
  backoff?: { until: number; by: RecordedEvent };
};

/** The event types the view follows. */
export const VIEWED_TYPES = [
  'EngineAdded',
  'EngineRemoved',
  'EngineLost',
  'EngineHealthChanged',
  'GroupCreated',
  'GroupUpdateStarted',
  'ContainerPlaced',
  'ContainerReleased',
  'ContainerCreated',
  'ContainerStarted',
  'ContainerBackoff',
  'ContainerFailed',
  'ContainerDestroyed',
  'RegistryCredentialsSet',
  'RegistryCredentialsRemoved',
];

/** Engines, group specs and replicas as the executor needs them, folded from the log. */
export class ExecutorView {
  readonly engines = new Map<string, EngineInfo>();
  /** Each group's spec by revision (a rolling update adds one), and whether to pull. */
  private readonly groups = new Map<
    string,
    { specs: Map<number, SealedImageSpec>; pull: boolean }
  >();
  readonly replicas = new Map<string, Replica>();
  /** The same replicas by engine: an engine's worker looks at its own only. */
  private readonly byEngine = new Map<string, Map<string, Replica>>();
  /** Pull credentials by registry host; the password still sealed. */
  readonly registries = new Map<string, { username: string; password: string }>();

  apply(recorded: RecordedEvent): void {
    const event = recorded as unknown as EngineEvent | ContainerEvent | RegistryEvent;
    switch (event.type) {
      case 'RegistryCredentialsSet': {
        const { registry, username, password } = event.data;
        this.registries.set(registry, { username, password });
        return;
      }
      case 'RegistryCredentialsRemoved':
        this.registries.delete(event.data.registry);
        return;
      case 'EngineAdded': {
        const { id, addr, tls } = event.data;
        this.engines.set(id, { id, addr, tls, healthy: false });
        return;
      }
      case 'EngineRemoved':
        this.engines.delete(event.data.id);
        return;
      case 'EngineLost':
        this.setHealthy(event.data.id, false);
        return;
      case 'EngineHealthChanged':
        this.setHealthy(event.data.id, event.data.status === 'healthy');
        return;
      case 'GroupCreated':
        this.groups.set(event.data.group, {
          specs: new Map([[1, event.data.spec]]),
          pull: event.data.pull,
        });
        return;
      case 'GroupUpdateStarted':
        this.groups.get(event.data.group)?.specs.set(event.data.revision, event.data.spec);
        return;
      case 'ContainerPlaced': {
        const { container, group, engine, name, cpus, memory, revision = 1 } = event.data;
        const replica: Replica = {
          id: container,
          group,
          engine,
          name,
          cpus,
          memory,
          revision,
          placedBy: recorded,
          outcome: 'none',
        };
        this.replicas.set(container, replica);
        this.onEngine(engine).set(container, replica);
        return;
      }
      case 'ContainerReleased': {
        const replica = this.replicas.get(event.data.container);
        if (replica === undefined) return;
        // Failed ones stay in Docker (and here) until a scale or destroy releases them with remove.
        replica.released = { reason: event.data.reason, remove: event.data.remove, by: recorded };
        return;
      }
      case 'ContainerCreated':
        this.setOutcome(event.data.container, 'created');
        return;
      case 'ContainerStarted': {
        const replica = this.replicas.get(event.data.container);
        if (replica !== undefined) delete replica.backoff;
        return;
      }
      case 'ContainerBackoff': {
        const replica = this.replicas.get(event.data.container);
        if (replica !== undefined) replica.backoff = { until: event.data.until, by: recorded };
        return;
      }
      case 'ContainerFailed':
        this.setOutcome(event.data.container, 'failed');
        return;
      case 'ContainerDestroyed': {
        // Done with it for good.
        const replica = this.replicas.get(event.data.container);
        this.replicas.delete(event.data.container);
        if (replica !== undefined) this.byEngine.get(replica.engine)?.delete(replica.id);
        return;
      }
      default:
        return;
    }
  }

  /** The spec a replica runs (its revision's), and whether its group pulls. */
  specOf(
    replica: Pick<Replica, 'group' | 'revision'>,
  ): { spec: SealedImageSpec; pull: boolean } | undefined {
    const group = this.groups.get(replica.group);
    const spec = group?.specs.get(replica.revision);
    return group === undefined || spec === undefined ? undefined : { spec, pull: group.pull };
  }

  /** Replicas placed on an engine whose work is not finished: to create, or to remove. */
  unfinished(engine: string): Replica[] {
    return this.on(engine).filter((r) =>
      r.released === undefined ? r.outcome === 'none' : r.released.remove,
    );
  }

  /** Replicas on an engine waiting out a backoff before they are started again. */
  backingOff(engine: string): (Replica & { backoff: NonNullable<Replica['backoff']> })[] {
    return this.on(engine).filter(
      (r): r is Replica & { backoff: NonNullable<Replica['backoff']> } =>
        r.backoff !== undefined && r.released === undefined,
    );
  }

  /** Replicas on an engine whose container the log says exists, and that Berth keeps. */
  kept(engine: string): Replica[] {
    return this.on(engine).filter((r) => r.outcome === 'created' && r.released === undefined);
  }

  private on(engine: string): Replica[] {
    return [...(this.byEngine.get(engine)?.values() ?? [])];
  }

  private onEngine(engine: string): Map<string, Replica> {
    const replicas = this.byEngine.get(engine) ?? new Map<string, Replica>();
    this.byEngine.set(engine, replicas);
    return replicas;
  }

  private setHealthy(id: string, healthy: boolean) {
    const engine = this.engines.get(id);
    if (engine !== undefined) engine.healthy = healthy;
  }

  private setOutcome(id: string, outcome: Replica['outcome']) {
    const replica = this.replicas.get(id);
    if (replica !== undefined) replica.outcome = outcome;
  }
}
