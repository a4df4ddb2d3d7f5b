import type { RecordedEvent, RouteChanged } from '@berth/contracts';

/**
 * Which replicas the router has in a proxy's backends (from its RouteChanged events), so a
 * routed replica is removed only after the router drained it, or after a bounded wait when no
 * router answers.
 */
export class RouteDrains {
  private readonly routed = new Set<string>();
  private readonly waiters = new Map<string, Set<() => void>>();

  apply(recorded: RecordedEvent): void {
    if (recorded.type !== 'RouteChanged') return;
    const { container, state } = recorded.data as RouteChanged;
    if (state === 'routed') return void this.routed.add(container);
    this.routed.delete(container);
    for (const wake of this.waiters.get(container) ?? []) wake();
    this.waiters.delete(container);
  }

  /** Resolves once the replica is drained, or after `maxMs`; at once when it is not routed. */
  whenDrained(container: string, maxMs: number): Promise<void> {
    if (!this.routed.has(container)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxMs);
      const waiting = this.waiters.get(container) ?? new Set();
      this.waiters.set(container, waiting.add(done));
      function done() {
        clearTimeout(timer);
        waiting.delete(done);
        resolve();
      }
    });
  }
}
