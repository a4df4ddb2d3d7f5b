import type { RecordedEvent } from '@berth/contracts';
import { lastPosition, recordedEvents } from './rethinkdb-documents.js';
import type { LogQueries } from './rethinkdb-queries.js';

// An entry holds one event or a hundred commits' worth, and nobody knows which before reading
// it: so a walk over the log reads entries a few at first, then twice as many each time, and
// a reader that wants one event (the newest, for an audit page) does not bring back thousands.
const FIRST_CHUNK = 4;
const MAX_CHUNK = 256;

/** The events from `from` to `upTo`, in order, read entry by entry as they are consumed. */
export async function* eventsForward(
  store: LogQueries,
  from: number,
  upTo: number,
): AsyncGenerator<RecordedEvent> {
  let chunk = FIRST_CHUNK;
  for (let at = from; at <= upTo; chunk = Math.min(chunk * 2, MAX_CHUNK)) {
    const entries = await store.entriesFrom(at, upTo, chunk);
    for (const entry of entries) {
      for (const event of recordedEvents(entry)) {
        if (event.position < at || event.position > upTo) continue;
        yield event;
      }
    }
    const last = entries.at(-1);
    if (last === undefined || entries.length < chunk) return;
    at = lastPosition(last) + 1;
  }
}

/** The events from `upTo` down to the first, newest first, read as they are consumed. */
export async function* eventsBackward(
  store: LogQueries,
  upTo: number,
): AsyncGenerator<RecordedEvent> {
  let chunk = FIRST_CHUNK;
  for (let at = upTo; at >= 1; chunk = Math.min(chunk * 2, MAX_CHUNK)) {
    const entries = await store.entriesBackFrom(at, chunk);
    for (const entry of entries) {
      for (const event of recordedEvents(entry).reverse()) {
        if (event.position > at) continue;
        yield event;
      }
    }
    const oldest = entries.at(-1);
    if (oldest === undefined || entries.length < chunk) return;
    at = oldest.id - 1;
  }
}
