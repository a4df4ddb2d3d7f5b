import type { RecordedEvent } from '@berth/contracts';
import type { Page } from './follow.js';
import type { EventFilter } from './port.js';

/** Events kept for the followers of one process, the newest. */
const CAPACITY = 20_000;
/** A follower further than this behind the head reads the store itself. */
const NEAR = 5000;
/** Positions one page covers at most. */
const SPAN = 1000;

export const matchesFilter = (event: RecordedEvent, filter: EventFilter | undefined): boolean =>
  (filter?.types === undefined || filter.types.includes(event.type)) &&
  (filter?.streamPrefix === undefined || event.stream.startsWith(filter.streamPrefix));

/**
 * The newest events of the log, read once for all the followers of one process. Ten followers
 * (projector, heartbeat, process managers…) each reading every new event, filtered by the
 * store, made a RethinkDB server read each event ten times and the driver parse it ten times.
 * Here what no follower has read yet is read once, whole, and each follower filters its own
 * copies (a follower may change what it is given). A follower far behind — catching up from
 * the start — reads the store itself, where its filter narrows the read.
 */
export class SharedPages {
  /** By position, in the order kept: the first kept go first when full. */
  private readonly events = new Map<number, RecordedEvent>();
  private filling: Promise<void> = Promise.resolve();

  /** `readRange` reads every event from `from` to `to`, both complete, in order. */
  constructor(private readonly readRange: (from: number, to: number) => Promise<RecordedEvent[]>) {}

  /** Keeps events whose positions are final: read, or appended by this process. */
  keep(events: readonly RecordedEvent[]): void {
    for (const event of events) this.events.set(event.position, event);
    for (const position of this.events.keys()) {
      if (this.events.size <= CAPACITY) break;
      this.events.delete(position);
    }
  }

  /**
   * A follower's page from `from` up to `upTo` (complete positions), or undefined when it is
   * too far behind and must read the store.
   */
  async page(
    from: number,
    upTo: number,
    limit: number,
    filter: EventFilter | undefined,
  ): Promise<Page | undefined> {
    if (upTo - from >= NEAR) return undefined;
    const to = Math.min(upTo, from + SPAN - 1);
    await this.fill(from, to);
    const events: RecordedEvent[] = [];
    for (let position = from; position <= to; position++) {
      const event = this.events.get(position);
      if (event === undefined) return undefined; // dropped meanwhile: read the store
      if (!matchesFilter(event, filter)) continue;
      events.push(structuredClone(event));
      if (events.length === limit) return { events, scannedTo: position };
    }
    return { events, scannedTo: to };
  }

  /** Reads what is missing from `from` to `to`, one fill at a time so none is read twice. */
  private fill(from: number, to: number): Promise<void> {
    const run = this.filling.then(async () => {
      let first = from;
      while (first <= to && this.events.has(first)) first++;
      let last = to;
      while (last >= first && this.events.has(last)) last--;
      if (first <= last) this.keep(await this.readRange(first, last));
    });
    this.filling = run.catch(() => undefined);
    return run;
  }
}
