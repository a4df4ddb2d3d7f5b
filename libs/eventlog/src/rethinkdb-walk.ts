import type { RecordedEvent } from '@berth/contracts';
import { lastPosition, recordedEvents, type Entry } from './rethinkdb-documents.js';
import type { LogQueries } from './rethinkdb-queries.js';

// An entry holds one event or a hundred commits' worth, and nobody knows which before reading
// it. So a walk reads a few entries first, then as many as the events still wanted need at the
// size seen so far, within a bound on the events one read brings back: the newest event for an
// audit page reads one entry, and a follower's page of 1,000 single events two reads.
const FIRST_CHUNK = 16;
const MAX_EVENTS_PER_READ = 10_000;

/** How many entries each read of a walk asks for. */
class Chunks {
  private entries = 0;
  private events = 0;
  private given = 0;

  constructor(private readonly wanted: number) {}

  next(): number {
    if (this.entries === 0) return Math.min(this.wanted, FIRST_CHUNK);
    const perEntry = this.events / this.entries;
    const forWanted = Math.ceil((this.wanted - this.given) / perEntry);
    return Math.max(1, Math.min(forWanted, Math.floor(MAX_EVENTS_PER_READ / perEntry)));
  }

  /** Each entry's events, in position order. */
  read(entries: Entry[]): RecordedEvent[][] {
    const events = entries.map(recordedEvents);
    this.entries += entries.length;
    for (const ofEntry of events) this.events += ofEntry.length;
    return events;
  }

  gave(count: number): void {
    this.given += count;
  }
}

/**
 * The events from `from` to `upTo`, in order, an entry's at a time, read as they are consumed;
 * `wanted` is how many the reader expects to take at most (it may stop sooner, or filter).
 */
export async function* eventsForward(
  store: LogQueries,
  from: number,
  upTo: number,
  wanted = Infinity,
): AsyncGenerator<RecordedEvent[]> {
  const chunks = new Chunks(wanted);
  for (let at = from; at <= upTo;) {
    const size = chunks.next();
    const entries = await store.entriesFrom(at, upTo, size);
    for (const events of chunks.read(entries)) {
      const inRange = events.filter((e) => e.position >= at && e.position <= upTo);
      chunks.gave(inRange.length);
      yield inRange;
    }
    const last = entries.at(-1);
    if (last === undefined || entries.length < size) return;
    at = lastPosition(last) + 1;
  }
}

/** The events from `upTo` down to the first, newest first, read as they are consumed. */
export async function* eventsBackward(
  store: LogQueries,
  upTo: number,
  wanted = Infinity,
): AsyncGenerator<RecordedEvent> {
  const chunks = new Chunks(wanted);
  for (let at = upTo; at >= 1;) {
    const size = chunks.next();
    const entries = await store.entriesBackFrom(at, size);
    for (const event of chunks.read(entries).flatMap((events) => events.reverse())) {
      if (event.position > at) continue;
      chunks.gave(1);
      yield event;
    }
    const oldest = entries.at(-1);
    if (oldest === undefined || entries.length < size) return;
    at = oldest.id - 1;
  }
}
