import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@berth/contracts';
import { chainKey, openSqliteEventLog, type EventLog } from '@berth/eventlog';
import { ChangeFeed } from './change-feed.js';

const metadata = { actor: 't', commandId: 'c', correlationId: 'c', causationId: 'c' };
const item = (event: RecordedEvent) => ({ position: event.position, type: event.type });
let dir: string;
let log: EventLog;
let appended = 0;
const append = async (count: number, type = 'Tick') => {
  for (let i = 0; i < count; i++)
    await log.append(`s-${appended++}`, 0, [{ type, data: {}, metadata }]);
};
/** Takes `count` items from an endless follower, then closes it. */
const take = async <T>(follower: AsyncIterable<T[]> & { close(): void }, count: number) => {
  const taken: T[] = [];
  for await (const values of follower) {
    taken.push(...values);
    if (taken.length >= count) break;
  }
  follower.close();
  return taken;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-feed-'));
  log = openSqliteEventLog({ file: join(dir, 'events.db'), key: chainKey(randomBytes(32)) });
  appended = 0;
});
afterEach(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ChangeFeed', () => {
  it('catches each follower up from its own position, then hands it live events', async () => {
    await append(5);
    const feed = new ChangeFeed(log, item, { queueLimit: 100, batchSize: 2, flushMs: 5 });
    const fromStart = take(
      feed.follow(1, {}, () => true),
      8,
    );
    const fromFour = take(
      feed.follow(4, {}, () => true),
      5,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await append(3);
    expect((await fromStart).map((i) => i.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await fromFour).map((i) => i.position)).toEqual([4, 5, 6, 7, 8]);
  });

  it("applies each follower's own predicate", async () => {
    const feed = new ChangeFeed(log, item, { queueLimit: 100, batchSize: 10, flushMs: 5 });
    const ticks = take(
      feed.follow(1, {}, (i) => i.type === 'Tock'),
      2,
    );
    await append(2, 'Tick');
    await append(1, 'Tock');
    await append(2, 'Tick');
    await append(1, 'Tock');
    expect((await ticks).map((i) => i.position)).toEqual([3, 6]);
  });

  it('sends a follower that falls behind its queue back to the log, skipping nothing', async () => {
    const feed = new ChangeFeed(log, item, { queueLimit: 3, batchSize: 4, flushMs: 5 });
    const slow = feed.follow(1, {}, () => true);
    const seen: number[] = [];
    const reading = (async () => {
      for await (const items of slow) {
        for (const i of items) seen.push(i.position);
        if (seen.length === 1) await new Promise((resolve) => setTimeout(resolve, 300));
        if (seen.length >= 40) break;
      }
      slow.close();
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await append(40);
    await reading;
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});
