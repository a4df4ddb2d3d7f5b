import type { RecordedEvent } from '@berth/contracts';
import type { EventFilter, EventLog, Subscription } from '@berth/eventlog';
import { berthMetrics, trackFollower } from '@berth/metrics';

export type ChangeFeedOptions = {
  /** Live events a follower may hold unread; past that it reads from the log again. */
  queueLimit: number;
  batchSize: number;
  /** Followers are woken at most this often, so each writes what gathered meanwhile at once. */
  flushMs: number;
};

/**
 * One subscription to the log per API instance, fanned out to every change-stream client.
 * Each follower has its own position: behind the feed it reads the log itself (catch-up,
 * resume after Last-Event-ID), then takes the feed's events. A follower that falls more than
 * `queueLimit` events behind drops its queue and catches up from the log again, so a slow
 * reader costs memory for at most that many events and never slows the feed or the others.
 * The subscription is open while at least one follower is.
 */
export class ChangeFeed<T extends { position: number }> {
  private subscription: Subscription | undefined;
  private opening: Promise<void> | undefined;
  /** The newest position the feed has handed to its followers. */
  position = 0;
  private readonly followers = new Set<Follower<T>>();
  private flushing: NodeJS.Timeout | undefined;
  private untrack: (() => void) | undefined;

  /** `describe` turns an event into what followers get, once per event for all of them. */
  constructor(
    readonly log: EventLog,
    readonly describe: (event: RecordedEvent) => T,
    readonly options: ChangeFeedOptions,
  ) {}

  /**
   * Events from `from` on that `accept` takes, in position order, never skipping one.
   * `filter` only narrows the reads from the log; `accept` decides.
   */
  follow(from: number, filter: EventFilter, accept: (item: T) => boolean): Follower<T> {
    return new Follower(this, from, filter, accept);
  }

  async join(follower: Follower<T>): Promise<void> {
    if (!this.followers.has(follower)) berthMetrics.sseClients.inc();
    this.followers.add(follower);
    this.opening ??= this.open();
    await this.opening;
  }

  leave(follower: Follower<T>): void {
    if (this.followers.delete(follower)) berthMetrics.sseClients.dec();
    if (this.followers.size > 0 || this.subscription === undefined) return;
    this.subscription.close();
    this.subscription = undefined;
    this.untrack?.();
    this.opening = undefined;
  }

  private async open(): Promise<void> {
    this.position = await this.log.head();
    const subscription = this.log.subscribe(this.position + 1, {
      batchSize: this.options.batchSize,
    });
    this.subscription = subscription;
    this.untrack = trackFollower(
      'change-feed',
      async () => (await this.log.head()) - this.position,
    );
    void (async () => {
      for await (const event of subscription) {
        if (this.subscription !== subscription) break;
        this.position = event.position;
        const item = this.describe(event);
        for (const follower of this.followers) follower.push(item);
        this.flushing ??= setTimeout(() => {
          this.flushing = undefined;
          for (const follower of this.followers) follower.wakeUp();
        }, this.options.flushMs);
      }
    })();
  }
}

/** One client's view of the feed: an endless, closable iteration from its own position. */
export class Follower<T extends { position: number }> implements AsyncIterable<T[]> {
  private queue: T[] = [];
  private overflowed = false;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly feed: ChangeFeed<T>,
    private next: number,
    private readonly filter: EventFilter,
    private readonly accept: (item: T) => boolean,
  ) {}

  push(item: T): void {
    if (this.queue.length >= this.feed.options.queueLimit) {
      this.overflowed = true;
      this.queue = [];
    } else this.queue.push(item);
  }

  wakeUp(): void {
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.feed.leave(this);
    this.wake?.();
  }

  /** Batches of items: what a page of the log or the queue held, so a client writes them at once. */
  async *[Symbol.asyncIterator](): AsyncIterator<T[]> {
    await this.feed.join(this);
    try {
      while (!this.closed) {
        yield* this.catchUp();
        this.overflowed = false; // in the same tick as catch-up's last check of the feed
        yield* this.live();
      }
    } finally {
      this.feed.leave(this);
    }
  }

  /** Reads the log until this follower is past what the feed has handed out. */
  private async *catchUp(): AsyncGenerator<T[]> {
    const { log, options } = this.feed;
    while (!this.closed && this.next <= this.feed.position) {
      const target = this.feed.position;
      const page = await log.readAll(this.next, { filter: this.filter, limit: options.batchSize });
      const items = page
        .filter((event) => event.position <= target)
        .map((event) => this.feed.describe(event));
      const accepted = items.filter((item) => this.accept(item));
      if (accepted.length > 0) yield accepted;
      const reached = items.at(-1);
      if (reached !== undefined) this.next = reached.position + 1;
      const last = page.at(-1);
      if (page.length < options.batchSize || (last !== undefined && last.position > target))
        this.next = Math.max(this.next, target + 1);
    }
  }

  private async *live(): AsyncGenerator<T[]> {
    while (!this.closed && !this.overflowed) {
      if (this.queue.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const fresh = this.queue.filter((item) => item.position >= this.next);
      this.queue = [];
      const last = fresh.at(-1);
      if (last === undefined) continue;
      this.next = last.position + 1;
      const accepted = fresh.filter((item) => this.accept(item));
      if (accepted.length > 0) yield accepted;
    }
  }
}
