import {
  AccountEvents,
  ContainerEvents,
  EngineEvents,
  type AccountEvent,
  type ClusterInfo,
  type ContainerEvent,
  type EngineEvent,
  type RecordedEvent,
} from '@berth/contracts';
import { AccountsProjection } from './projections/accounts.js';
import { ContainersProjection } from './projections/containers.js';
import { EnginesProjection } from './projections/engines.js';
import type { MeasuredUsage } from './usage.js';

const ACCOUNT_EVENTS = new Set(Object.keys(AccountEvents));
const ENGINE_EVENTS = new Set(Object.keys(EngineEvents));
const CONTAINER_EVENTS = new Set(Object.keys(ContainerEvents));

/** The current cluster state folded from the log, and how far into the log it is. */
export class ReadModel {
  position = 0;
  readonly accounts = new AccountsProjection();
  readonly engines = new EnginesProjection();
  readonly containers = new ContainersProjection(this.engines);
  private waiters: { position: number; resolve: () => void }[] = [];

  apply(event: RecordedEvent): void {
    if (ACCOUNT_EVENTS.has(event.type)) this.accounts.apply(event as unknown as AccountEvent);
    else if (ENGINE_EVENTS.has(event.type)) this.engines.apply(event as unknown as EngineEvent);
    else if (CONTAINER_EVENTS.has(event.type))
      this.containers.apply(event as unknown as ContainerEvent, event.at);
    this.position = event.position;
    // Every 100,000 positions, at that event's time: alike in live, replayed and restored models.
    if (event.position % 100_000 === 0) {
      this.accounts.pruneExpired(event.at);
      this.containers.pruneDestroyed();
    }
    if (this.waiters.length > 0) this.wakeWaiters();
  }

  /** A plain copy of the whole model at its current position. */
  snapshot() {
    return {
      position: this.position,
      accounts: this.accounts.snapshot(),
      engines: this.engines.list(),
      containers: this.containers.snapshot(),
    };
  }

  /** A model as it was when `snapshot()` was taken. */
  static restore(snapshot: ReadModelSnapshot): ReadModel {
    const model = new ReadModel();
    model.position = snapshot.position;
    model.accounts.restore(snapshot.accounts);
    model.engines.restore(snapshot.engines);
    model.containers.restore(snapshot.containers);
    return model;
  }

  /**
   * SPEC "cluster info": the pool's capacity, reservations and measured usage (which is not in
   * the log, so `usage` supplies it), containers and images.
   */
  clusterInfo(usage: MeasuredUsage): ClusterInfo {
    const { inPool, ...totals } = this.engines.totals();
    return {
      ...totals,
      ...usage.total(inPool),
      ...this.containers.counts(inPool.map((e) => e.id)),
    };
  }

  /** Resolves true once the model has applied `position`, false after `timeoutMs`. */
  reached(position: number, timeoutMs: number): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { position, resolve: () => resolve(true) };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs).unref();
    });
  }

  private wakeWaiters() {
    const ready = this.waiters.filter((w) => w.position <= this.position);
    this.waiters = this.waiters.filter((w) => w.position > this.position);
    for (const w of ready) w.resolve();
  }
}

export type ReadModelSnapshot = ReturnType<ReadModel['snapshot']>;
