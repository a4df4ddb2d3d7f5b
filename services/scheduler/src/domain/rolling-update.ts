import type { UpdateStrategy } from '@berth/contracts';

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
