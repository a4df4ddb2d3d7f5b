import type { ContainerEvent, EngineEvent, RecordedEvent } from '@berth/contracts';
import type { Pool } from './domain/schedule.js';

type EngineView = {
  id: string;
  cpus: number;
  memory: number;
  labels: string[];
  status: 'pending' | 'healthy' | 'unhealthy' | 'lost';
};

/** The event types the view follows. */
export const VIEWED_TYPES = [
  'EngineAdded',
  'EngineRemoved',
  'EngineLost',
  'EngineHealthChanged',
  'ContainerPlaced',
  'ContainerStarted',
  'ContainerDied',
  'ContainerFailed',
  'ContainerBackoff',
  'ContainerHealthChanged',
  'GroupUpdateStarted',
];

export const unhealthy = (data: { reason: string }) =>
  `unhealthy${data.reason === '' ? '' : `: ${data.reason}`}`;

/**
 * What the scheduler knows besides its own stream: each engine's capacity and health, and the
 * containers that died or failed, folded from the log.
 */
export class ClusterView {
  private readonly engines = new Map<string, EngineView>();
  /** Containers whose last word was a death, a failure or a failed health check, with why. */
  readonly down = new Map<
    string,
    { kind: 'died' | 'failed' | 'unhealthy' | 'backoff'; reason: string }
  >();
  // When this instance learnt that a replica was placed, started, turned healthy: this
  // process's clock only, so a rolling update's windows never mix clocks.
  private readonly placedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private readonly healthyAt = new Map<string, number>();
  /** The pool as of the engines now, built again only when one of them changes. */
  private pooled: Pool | undefined;

  apply(recorded: RecordedEvent): void {
    const event = recorded as unknown as EngineEvent | ContainerEvent;
    switch (event.type) {
      case 'EngineAdded': {
        const { id, cpus, memory, labels } = event.data;
        const previous = this.engines.get(id);
        const status =
          previous === undefined || previous.status === 'lost' ? 'pending' : previous.status;
        this.engines.set(id, { id, cpus, memory, labels, status });
        this.pooled = undefined;
        return;
      }
      case 'EngineRemoved':
        this.engines.delete(event.data.id);
        this.pooled = undefined;
        return;
      case 'EngineLost':
        this.setStatus(event.data.id, 'lost');
        return;
      case 'EngineHealthChanged':
        if (this.engines.get(event.data.id)?.status !== 'lost')
          this.setStatus(event.data.id, event.data.status);
        return;
      case 'ContainerPlaced':
        this.placedAt.set(event.data.container, Date.now());
        return;
      case 'ContainerReleased':
        this.forget(event.data.container);
        return;
      case 'ContainerStarted':
        this.down.delete(event.data.container);
        this.startedAt.set(event.data.container, Date.now());
        return;
      case 'ContainerDied':
      case 'ContainerFailed':
      case 'ContainerBackoff': {
        const kind =
          event.type === 'ContainerDied'
            ? 'died'
            : event.type === 'ContainerFailed'
              ? 'failed'
              : 'backoff';
        this.down.set(event.data.container, { kind, reason: event.data.reason });
        this.startedAt.delete(event.data.container);
        this.healthyAt.delete(event.data.container);
        return;
      }
      case 'ContainerHealthChanged':
        if (event.data.health === 'unhealthy')
          this.down.set(event.data.container, { kind: 'unhealthy', reason: unhealthy(event.data) });
        else this.down.delete(event.data.container);
        if (event.data.health === 'healthy') this.healthyAt.set(event.data.container, Date.now());
        else this.healthyAt.delete(event.data.container);
        return;
      default:
        return;
    }
  }

  /** Since when a replica has been ready (running; healthy too when it has a health check). */
  readySince(container: string, hasHealthcheck: boolean): number | undefined {
    return (hasHealthcheck ? this.healthyAt : this.startedAt).get(container);
  }

  /** How long ago this instance learnt the replica was placed (0 when it never did). */
  placedFor(container: string, now: number): number {
    const at = this.placedAt.get(container);
    return at === undefined ? 0 : now - at;
  }

  /** Forgets a replica that left its group for good. */
  forget(container: string): void {
    for (const times of [this.placedAt, this.startedAt, this.healthyAt]) times.delete(container);
    this.down.delete(container);
  }

  /**
   * Engines placement may consider; only healthy ones are schedulable. The same frozen array
   * serves every command until an engine changes: a thousand engines are not copied per command.
   */
  pool(): Pool {
    this.pooled ??= Object.freeze(
      [...this.engines.values()].map(({ id, cpus, memory, labels, status }) =>
        Object.freeze({ id, cpus, memory, labels, schedulable: status === 'healthy' }),
      ),
    );
    return this.pooled;
  }

  /** Why replicas on this engine must move, or undefined while it may still serve them. */
  gone(engine: string): string | undefined {
    const view = this.engines.get(engine);
    if (view === undefined) return `engine ${engine} was removed`;
    if (view.status === 'lost') return `engine ${engine} was lost`;
    if (view.status === 'unhealthy') return `engine ${engine} is unhealthy`;
    return undefined;
  }

  private setStatus(id: string, status: EngineView['status']) {
    const engine = this.engines.get(id);
    if (engine === undefined || engine.status === status) return;
    engine.status = status;
    this.pooled = undefined;
  }
}
