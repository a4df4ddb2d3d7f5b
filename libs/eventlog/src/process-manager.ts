import type { RecordedEvent } from '@berth/contracts';
import { trackFollower } from '@berth/metrics';
import type { EventFilter, EventLog } from './port.js';

const PAGE = 5000;
/** Lag is counted up to this many events: past it, the number only says "far behind". */
const LAG_COUNT_LIMIT = 10_000;
/** How long a follower whose catch-up read failed waits before it reads again. */
const RETRY_MS = 1000;

export type FollowerOptions = {
  /** Reports lag as `berth_follower_lag_events{follower=name}`. */
  name?: string;
  /** Told of a failed read; the follower reads again from where it was a moment later. */
  onError?: (error: unknown) => void;
};

export type Follower = {
  /** Resolves once every event up to the head at start has been folded. */
  caughtUp: Promise<void>;
  /** Folds whatever the log holds now, without waiting for the live feed to bring it. */
  freshen: () => Promise<void>;
  stop: () => Promise<void>;
};

/**
 * Folds the log from the start into `apply`, then calls `react` for each new event after it:
 * a process manager decides on the present, never re-acts to history. `react` must not throw.
 * A read that fails (the store away a moment) is tried again from where it was, never given up:
 * a follower that stopped would leave its service deaf to the log without a word.
 * Its lag is the events of its filter not yet handled.
 */
export const catchUpThenReact = (
  log: EventLog,
  filter: EventFilter,
  apply: (event: RecordedEvent) => void,
  react: (event: RecordedEvent) => Promise<void>,
  { name, onError = () => undefined }: FollowerOptions = {},
): Follower => {
  let stopped = false;
  let subscription: ReturnType<EventLog['subscribe']> | undefined;
  let markCaughtUp: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));

  // Events reach `apply` once each, in order, whether read here or by the live feed.
  let applied = 0;
  let handled = 0;
  const untrack =
    name === undefined
      ? () => undefined
      : trackFollower(
          name,
          // Counted, not subtracted: the positions between its events belong to other streams.
          async () => (await log.readAll(handled + 1, { filter, limit: LAG_COUNT_LIMIT })).length,
        );
  const applyOnce = (event: RecordedEvent) => {
    if (event.position <= applied) return;
    apply(event);
    applied = event.position;
  };
  // Positions up to here were read by `freshen`: those of other types need no second look.
  let scanned = 0;
  const readUpTo = async (head: number) => {
    let from = Math.max(applied, scanned) + 1;
    while (!stopped && from <= head) {
      const page = await log.readAll(from, { filter, limit: PAGE });
      for (const event of page) if (event.position <= head) applyOnce(event);
      const last = page[page.length - 1];
      if (page.length < PAGE || last === undefined) break;
      from = last.position + 1;
    }
    if (!stopped) scanned = Math.max(scanned, head);
  };

  const running = (async () => {
    let head: number | undefined;
    while (!stopped && head === undefined) {
      try {
        const now = await log.head();
        await readUpTo(now);
        head = now;
      } catch (error) {
        onError(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
    if (head === undefined) return; // stopped before it caught up
    handled = applied;
    markCaughtUp();
    if (stopped) return;
    subscription = log.subscribe(head + 1, { filter, onError });
    for await (const event of subscription) {
      applyOnce(event);
      await react(event);
      handled = event.position;
    }
  })();

  // Commands that arrive together share one read of what is new, rather than each reading it.
  let reading: { head: number; done: Promise<void> } | undefined;
  const freshen = async () => {
    const head = await log.head();
    if (Math.max(applied, scanned) >= head) return;
    if (reading !== undefined && reading.head >= head) return reading.done;
    const done = readUpTo(head).finally(() => {
      if (reading?.done === done) reading = undefined;
    });
    reading = { head, done };
    return done;
  };

  return {
    caughtUp,
    freshen,
    stop: async () => {
      untrack();
      stopped = true;
      subscription?.close();
      await running.catch(() => undefined);
    },
  };
};
