import { r, type Connection, type RDatum } from 'rethinkdb-ts';
import type { Entry, Tail } from './rethinkdb-documents.js';
import { LOG_TABLE, tailOfEntry } from './rethinkdb-queries.js';

/** A new entry: where it starts, and the end of the log it makes. */
export type EntryWritten = Tail & { first: number };

/**
 * A changefeed on the log's new entries, used only to wake readers (and to tell writers where
 * the log ends); reopened after errors. It carries each entry's key and end, not its events.
 */
export const startWakeFeed = (
  conn: Connection,
  onEntry: (written: EntryWritten) => void,
  isClosed: () => boolean,
) => {
  let cursor: { close(): Promise<void> } | undefined;
  const run = async () => {
    while (!isClosed()) {
      try {
        const feed = await r
          .table<Entry>(LOG_TABLE)
          .map((e: RDatum<Entry>) => tailOfEntry(e).merge({ first: e('id') }))
          .changes()
          .run(conn);
        cursor = feed;
        if (isClosed()) break; // closed while the feed was opening
        for await (const change of feed as AsyncIterable<{ new_val: EntryWritten | null }>)
          if (change.new_val !== null) onEntry(change.new_val);
      } catch {
        // The poll interval covers the gap until the feed is back.
      }
      if (!isClosed()) await new Promise((resolve) => setTimeout(resolve, 1000).unref());
    }
  };
  const done = run();
  return {
    async stop() {
      await cursor?.close().catch(() => undefined);
      await done.catch(() => undefined);
    },
  };
};
