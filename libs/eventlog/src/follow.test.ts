import { expect, it } from 'vitest';
import type { RecordedEvent } from '@berth/contracts';
import { follow, type PageSource } from './follow.js';

const event = (position: number) => ({ position }) as RecordedEvent;

/** Five events in memory, whose reads fail `failing` times first, as a store away a moment. */
const source = (failing: number, closed = () => false): PageSource & { reads: number } => {
  const all = [1, 2, 3, 4, 5].map(event);
  const s = {
    reads: 0,
    readPage: (from: number, limit: number) => {
      s.reads++;
      if (failing-- > 0) return Promise.reject(new Error('store away'));
      const events = all.filter((e) => e.position >= from).slice(0, limit);
      return Promise.resolve({ events, scannedTo: events.at(-1)?.position ?? from - 1 });
    },
    waitForAppend: () => new Promise<void>((resolve) => setTimeout(resolve, 10)),
    closed,
  };
  return s;
};

const take = async (subscription: AsyncIterable<RecordedEvent>, n: number) => {
  const seen: number[] = [];
  for await (const e of subscription) if (seen.push(e.position) === n) break;
  return seen;
};

it('reads the same page again after a failed read, and skips or repeats nothing', async () => {
  const errors: unknown[] = [];
  const feed = follow(source(2), 2, { batchSize: 2, onError: (error) => errors.push(error) });
  expect(await take(feed, 4)).toEqual([2, 3, 4, 5]);
  expect(errors).toHaveLength(2);
});

it('ends when a read fails because the log was closed', async () => {
  const closing = source(1, () => true);
  const seen = await take(follow(closing, 1), 5);
  expect(seen).toEqual([]);
  expect(closing.reads).toBe(1);
});
