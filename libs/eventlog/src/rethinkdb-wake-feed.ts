import type { EventEmitter } from 'node:events';
import { r, type Connection } from 'rethinkdb-ts';
import { HEAD } from './rethinkdb-documents.js';

/** A changefeed on the head document, used only to wake readers; reopened after errors. */
export const startWakeFeed = (
  conn: Connection,
  appended: EventEmitter,
  isClosed: () => boolean,
) => {
  let cursor: { close(): Promise<void> } | undefined;
  const run = async () => {
    while (!isClosed()) {
      try {
        const feed = await r.table('meta').get(HEAD).changes().run(conn);
        cursor = feed;
        if (isClosed()) break; // closed while the feed was opening
        for await (const _change of feed as AsyncIterable<unknown>) appended.emit('appended');
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
