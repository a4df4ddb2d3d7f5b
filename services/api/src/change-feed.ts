import type { RecordedEvent } from '@berth/contracts';
import type { EventFilter, EventLog, Subscription } from '@berth/eventlog';
import { berthMetrics, trackFollower } from '@berth/metrics';

export type ChangeFeedOptions = {
  /** Live events the feed keeps for its followers; one further behind reads from the log again. */
  queueLimit: number;
  batchSize: number;
  /** Followers are woken at most this often, so each writes what gathered meanwhile at once. */
  flushMs: number;
};

/**
 * One subscription to the log per API instance, fanned out to every change-stream client.
 * The feed keeps the latest `queueLimit` to twice that many events in one list that all
 * followers read, so a live event costs the feed one entry whatever the number of followers.
 * Each follower has its own position: behind the list it reads the log itself (catch-up,
 * resume after Last-Event-ID), then takes from the list. A slow reader that falls out of the
 * list catches up from the log again: it never holds memory, nor slows the feed or the others.
 * The subscription is open while at least one follower is.
 */
export class ChangeFeed<T extends { position: number }> {
  private subscription: Subscription | undefined;
  private opening: Promise<void> | undefined;
  /** The newest position the feed has handed to its followers. */
  position = 0;
  /** The latest live items, oldest first, at consecutive positions (the feed reads every event). */
  private recent: T[] = [];
  /** The last answer of `itemsFrom`: followers woken together mostly ask the very same. */
  private lastSlice: { from: number; position: number; items: T[] } | undefined;
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
   * Events from `from` on that `accept` takes (all when it is absent), in position order,
   * never skipping one. `filter` only narrows the reads from the log; `accept` decides.
   */
  follow(from: number, filter: EventFilter, accept?: (item: T) => boolean): Follower<T> {
    return new Follower(this, from, filter, accept);
  }

  /** The kept items from position `from` on; undefined when `from` is older than all of them. */
  itemsFrom(from: number): T[] | undefined {
    const slice = this.lastSlice;
    if (slice?.from === from && slice.position === this.position) return slice.items;
    const oldest = this.recent[0]?.position ?? this.position + 1;
    if (from < oldest) return undefined;
    const items = this.recent.slice(from - oldest);
    this.lastSlice = { from, position: this.position, items };
    return items;
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
    this.recent = [];
    this.lastSlice = undefined;
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
        this.keep(this.describe(event));
        this.flushing ??= setTimeout(() => {
          this.flushing = undefined;
          for (const follower of this.followers) follower.wakeUp();
        }, this.options.flushMs);
      }
    })();
  }

  private keep(item: T): void {
    // Trimmed by halves, so that keeping an item costs the same however many are kept.
    if (this.recent.length >= 2 * this.options.queueLimit)
      this.recent = this.recent.slice(this.options.queueLimit);
    this.recent.push(item);
    this.position = item.position;
  }
}

/** One client's view of the feed: an endless, closable iteration from its own position. */
export class Follower<T extends { position: number }> implements AsyncIterable<T[]> {
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly feed: ChangeFeed<T>,
    private next: number,
    private readonly filter: EventFilter,
    private readonly accept: ((item: T) => boolean) | undefined,
  ) {}

  wakeUp(): void {
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.feed.leave(this);
    this.wake?.();
  }

  /** Batches of items: what a page of the log or the feed held, so a client writes them at once. */
  async *[Symbol.asyncIterator](): AsyncIterator<T[]> {
    await this.feed.join(this);
    try {
      while (!this.closed) {
        yield* this.catchUp();
        yield* this.live();
      }
    } finally {
      this.feed.leave(this);
    }
  }

  private accepted(items: T[]): T[] {
    return this.accept === undefined ? items : items.filter(this.accept);
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
      const accepted = this.accepted(items);
      if (accepted.length > 0) yield accepted;
      const reached = items.at(-1);
      if (reached !== undefined) this.next = reached.position + 1;
      const last = page.at(-1);
      if (page.length < options.batchSize || (last !== undefined && last.position > target))
        this.next = Math.max(this.next, target + 1);
    }
  }

  /** Takes the feed's items at each wake-up; returns once it has fallen behind what it keeps. */
  private async *live(): AsyncGenerator<T[]> {
    while (!this.closed) {
      const items = this.feed.itemsFrom(this.next);
      if (items === undefined) return;
      const last = items.at(-1);
      if (last === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      this.next = last.position + 1;
      const accepted = this.accepted(items);
      if (accepted.length > 0) yield accepted;
    }
  }
}
