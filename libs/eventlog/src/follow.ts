import type { RecordedEvent } from '@berth/contracts';
import type { EventFilter, SubscribeOptions, Subscription } from './port.js';

export type Page = {
  events: RecordedEvent[];
  /** Every position up to here has been looked at; the next read starts after it. */
  scannedTo: number;
};

/** What an adapter gives `follow`: gap-free pages and a wake-up when something was appended. */
export type PageSource = {
  readPage(from: number, limit: number, filter: EventFilter | undefined): Promise<Page>;
  /** Resolves once events after `position` may exist, after a poll interval, or on abort. */
  waitForAppend(position: number, signal: AbortSignal): Promise<void>;
  /** Whether the log was closed: a read that fails then ends the feed. */
  closed(): boolean;
};

const DEFAULT_BATCH = 1000;
/** How long a feed whose read failed waits before it reads the same page again. */
const RETRY_MS = 1000;

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Catch-up then live, page by page. A page only ever covers positions that are complete
 * (the adapter's frontier), so a reader can never pass over an event committed late. A read
 * that fails (the store away a moment) is tried again from the same position until the log is
 * closed: a feed that ended on it would leave its follower deaf without a word.
 */
export const follow = (
  source: PageSource,
  fromPosition: number,
  options: SubscribeOptions = {},
): Subscription => {
  const abort = new AbortController();
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let buffer: RecordedEvent[] = [];
  let index = 0;
  let nextPosition = Math.max(1, fromPosition);

  const done = (): IteratorResult<RecordedEvent> => ({ value: undefined, done: true });

  const iterator: AsyncIterator<RecordedEvent> = {
    async next() {
      while (index >= buffer.length) {
        // Every page in an event-loop task of its own: followers working through pages (ten in
        // one process, each woken by the same append) would otherwise hold the loop together.
        await new Promise((resolve) => setImmediate(resolve));
        if (abort.signal.aborted) return done();
        let page: Page;
        try {
          page = await source.readPage(nextPosition, batchSize, options.filter);
        } catch (error) {
          if (source.closed()) return done();
          options.onError?.(error);
          await pause(RETRY_MS, abort.signal);
          continue;
        }
        buffer = page.events;
        index = 0;
        nextPosition = page.scannedTo + 1;
        if (buffer.length === 0) await source.waitForAppend(page.scannedTo, abort.signal);
      }
      if (abort.signal.aborted) return done();
      return { value: buffer[index++] as RecordedEvent, done: false };
    },
    return() {
      abort.abort();
      return Promise.resolve(done());
    },
  };

  return {
    [Symbol.asyncIterator]: () => iterator,
    close: () => abort.abort(),
  };
};

/**
 * Waits for a wake-up signal, the poll interval or abort, whichever comes first. `moved` is
 * checked after listening, so an append that landed just before cannot be slept through.
 */
export const waitForWakeOrPoll = (options: {
  listen: (wake: () => void) => () => void;
  moved: () => boolean | Promise<boolean>;
  pollMs: number;
  signal: AbortSignal;
}): Promise<void> =>
  new Promise((resolve) => {
    const { listen, moved, pollMs, signal } = options;
    if (signal.aborted) return resolve();
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unlisten();
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, pollMs);
    const unlisten = listen(finish);
    signal.addEventListener('abort', finish, { once: true });
    Promise.resolve(moved()).then(
      (yes) => yes && finish(),
      () => finish(),
    );
  });
