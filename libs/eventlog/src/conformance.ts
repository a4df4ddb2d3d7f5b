// The one suite every event log adapter must pass. Imported only by the adapters' tests.
import { randomBytes } from 'node:crypto';
import { newId } from '@berth/ids';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewEvent, RecordedEvent } from '@berth/contracts';
import { ConflictError } from '@berth/errors';
import { chainKey, type ChainKey } from './hash-chain.js';
import type { EventLog, Subscription } from './port.js';
import { VerifyReason } from './verify.js';

/** The key every adapter test opens its log with; a different one per run. */
export const TEST_CHAIN_KEY = chainKey(randomBytes(32));

export type LogUnderTest = {
  /** Another instance (connection) on the same, initially empty, store; TEST_CHAIN_KEY by default. */
  open(key?: ChainKey): Promise<EventLog>;
  /** Changes the stored event at `position` without going through the adapter. */
  tamper(position: number): Promise<void>;
  /** Closes what `open` left and removes the store. */
  destroy(): Promise<void>;
};

const event = (type: string, data: unknown = {}, commandId = newId()): NewEvent => ({
  type,
  data,
  metadata: { actor: 'tester', commandId, correlationId: commandId, causationId: commandId },
});

/** Takes `count` events from a subscription, failing after `timeoutMs`. */
const take = async (subscription: Subscription, count: number, timeoutMs = 60_000) => {
  const seen: RecordedEvent[] = [];
  const timer = setTimeout(() => subscription.close(), timeoutMs);
  for await (const e of subscription) {
    seen.push(e);
    if (seen.length === count) break;
  }
  clearTimeout(timer);
  return seen;
};

const expectGapFree = (events: RecordedEvent[], from = 1) => {
  const positions = events.map((e) => e.position);
  expect(positions).toEqual(Array.from({ length: events.length }, (_, i) => from + i));
};

export const eventLogConformance = (name: string, fresh: () => Promise<LogUnderTest>) =>
  describe(`event log conformance: ${name}`, () => {
    let store: LogUnderTest;
    let log: EventLog;

    beforeEach(async () => {
      store = await fresh();
      log = await store.open();
    });
    afterEach(async () => {
      await store.destroy();
    });

    it('appends a batch atomically with versions, positions, ids and metadata', async () => {
      const commandId = newId();
      const result = await log.append('account-1', 0, [
        event('AccountAdded', { username: 'ada', tags: ['x'], n: 1 }, commandId),
        event('AccountRoleChanged', { role: 'admin' }, commandId),
      ]);
      expect(result).toMatchObject({ version: 2, positions: [1, 2] });
      const stream = await log.readStream('account-1');
      // The append answers with the events as recorded: what every read returns.
      expect(result.events).toEqual(stream);
      expect(await log.readCommand(commandId)).toEqual(stream);
      expect(stream.map((e) => [e.version, e.position, e.type])).toEqual([
        [1, 1, 'AccountAdded'],
        [2, 2, 'AccountRoleChanged'],
      ]);
      expect(stream[0]?.data).toEqual({ username: 'ada', tags: ['x'], n: 1 });
      expect(stream[0]?.metadata).toEqual({
        actor: 'tester',
        commandId,
        correlationId: commandId,
        causationId: commandId,
      });
      expect(stream[0]?.v).toBe(1);
      expect(stream[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(new Date(stream[0]?.at ?? '').toString()).not.toBe('Invalid Date');
      expect(await log.readStream('account-1', 2)).toHaveLength(1);
      expect(await log.readStream('missing')).toEqual([]);
      expect(await log.head()).toBe(2);
    });

    it('reads a stream from any version, inside or after an append', async () => {
      await log.append('other', 0, [event('X')]);
      await log.append('s', 0, [event('A'), event('B')]);
      await log.append('s', 2, [event('C')]);
      await log.append('s', 3, [event('D'), event('E'), event('F')]);
      const typesFrom = async (version: number) =>
        (await log.readStream('s', version)).map((e) => `${e.type}${e.version}`).join(' ');
      expect(await typesFrom(1)).toBe('A1 B2 C3 D4 E5 F6');
      expect(await typesFrom(2)).toBe('B2 C3 D4 E5 F6');
      expect(await typesFrom(3)).toBe('C3 D4 E5 F6');
      expect(await typesFrom(5)).toBe('E5 F6');
      expect(await typesFrom(6)).toBe('F6');
      expect(await typesFrom(7)).toBe('');
      // What an instance read, it appends after without asking again.
      expect((await log.append('s', 6, [event('G')])).version).toBe(7);
    });

    it('rejects a stale expected version as a conflict and writes nothing', async () => {
      await log.append('engine-a', 0, [event('EngineAdded')]);
      await expect(
        log.append('engine-a', 0, [event('EngineAdded'), event('X')]),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(log.append('engine-a', 5, [event('X')])).rejects.toBeInstanceOf(ConflictError);
      await expect(log.append('engine-b', 1, [event('X')])).rejects.toBeInstanceOf(ConflictError);
      expect(await log.readStream('engine-a')).toHaveLength(1);
      expect(await log.readStream('engine-b')).toHaveLength(0);
      expect(await log.head()).toBe(1);
      expect((await log.append('engine-a', 'any', [event('EngineRemoved')])).version).toBe(2);
      expect((await log.append('engine-a', 2, [event('EngineAdded')])).positions).toEqual([3]);
    });

    it('lets exactly one of many racing writers win the same expected version', async () => {
      const other = await store.open();
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other : log).append('group-g', 0, [event('GroupCreated', { i })]),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results)
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
      expect(await log.readStream('group-g')).toHaveLength(1);
      await other.close();
    });

    it('refuses a version this instance saw once another writer moved the stream past it', async () => {
      const other = await store.open();
      await log.append('s', 0, [event('A')]);
      await other.append('s', 1, [event('B'), event('C')]);
      await expect(log.append('s', 1, [event('X')])).rejects.toBeInstanceOf(ConflictError);
      expect((await log.append('s', 'any', [event('D')])).version).toBe(4);
      expect((await log.readStream('s')).map((e) => [e.type, e.version])).toEqual([
        ['A', 1],
        ['B', 2],
        ['C', 3],
        ['D', 4],
      ]);
      await other.close();
    });

    it('reads all events from a position, with type and stream filters', async () => {
      for (let i = 0; i < 5; i++) {
        await log.append(`container-${i}`, 0, [
          event('ContainerPlaced', { i }),
          event('ContainerStarted', { i }),
        ]);
      }
      await log.append('engine-x', 0, [event('EngineAdded')]);
      expectGapFree(await log.readAll());
      expect((await log.readAll(4)).map((e) => e.position)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
      expect(await log.readAll(4, { limit: 3 })).toHaveLength(3);
      const started = await log.readAll(1, { filter: { types: ['ContainerStarted'] } });
      expect(started.map((e) => e.position)).toEqual([2, 4, 6, 8, 10]);
      const engines = await log.readAll(1, { filter: { streamPrefix: 'engine-' } });
      expect(engines.map((e) => e.stream)).toEqual(['engine-x']);
      expect(await log.readAll(1, { filter: { types: [] } })).toEqual([]);
      expect(await log.readAll(100)).toEqual([]);
      const newest = await log.readBackward(undefined, { limit: 3 });
      expect(newest.map((e) => e.position)).toEqual([11, 10, 9]);
      expect((await log.readBackward(5)).map((e) => e.position)).toEqual([4, 3, 2, 1]);
      const startedBackward = await log.readBackward(10, {
        filter: { types: ['ContainerStarted'] },
        limit: 2,
      });
      expect(startedBackward.map((e) => e.position)).toEqual([8, 6]);
      expect(await log.readBackward(1)).toEqual([]);
    });

    it('reads forwards and backwards across many appends of different sizes', async () => {
      for (let i = 0; i < 60; i++) {
        const events = Array.from({ length: 1 + (i % 3) }, (_, n) => event('Tick', { i, n }));
        await log.append(`s-${i % 7}`, 'any', events);
      }
      const all = await log.readAll();
      expectGapFree(all);
      expect(all).toHaveLength(120);
      const positions = (events: RecordedEvent[]) => events.map((e) => e.position);
      const from = (first: number, last: number) =>
        Array.from({ length: Math.abs(last - first) + 1 }, (_, i) =>
          first <= last ? first + i : first - i,
        );
      expect(positions(await log.readBackward())).toEqual(from(120, 1));
      expect(positions(await log.readBackward(50, { limit: 30 }))).toEqual(from(49, 20));
      expect(positions(await log.readBackward(undefined, { limit: 1 }))).toEqual([120]);
      expect(positions(await log.readAll(17, { limit: 45 }))).toEqual(from(17, 61));
      const third = all.filter((e) => e.stream === 's-3');
      expect(
        await log.readBackward(undefined, { filter: { streamPrefix: 's-3' }, limit: 5 }),
      ).toEqual(third.reverse().slice(0, 5));
    });

    it("finds a command's events by commandId", async () => {
      const commandId = newId();
      await log.append('s-1', 0, [event('A', {}, commandId), event('B', {}, commandId)]);
      await log.append('s-2', 0, [event('C')]);
      expect((await log.readCommand(commandId)).map((e) => e.type)).toEqual(['A', 'B']);
      expect(await log.readCommand(newId())).toEqual([]);
    });

    it('subscribes: catch-up, then live, with a filter', async () => {
      await log.append('s', 0, [event('A'), event('B')]);
      const all = log.subscribe(1);
      const onlyB = log.subscribe(1, { filter: { types: ['B'] } });
      const later = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const writer = await store.open();
        await writer.append('s', 2, [event('B'), event('A')]);
        await writer.close();
      })();
      const [seenAll, seenB] = await Promise.all([take(all, 4), take(onlyB, 2)]);
      await later;
      expect(seenAll.map((e) => e.type)).toEqual(['A', 'B', 'B', 'A']);
      expectGapFree(seenAll);
      expect(seenB.map((e) => e.position)).toEqual([2, 3]);
    });

    it('delivers every event once, in order, to subscribers started before and during 4 concurrent writers', async () => {
      const writers = 4;
      const perWriter = 1000;
      const total = writers * perWriter;
      const early = log.subscribe(1, { batchSize: 500 });
      const earlySeen = take(early, total, 300_000);
      let midway: Promise<RecordedEvent[]> | undefined;
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          const writer = await store.open();
          let version = 0;
          while (version < perWriter) {
            const size = Math.min(1 + ((version + w) % 5), perWriter - version);
            const batch = Array.from({ length: size }, (_, i) =>
              event('Tick', { w, n: version + i }),
            );
            version = (await writer.append(`writer-${w}`, version, batch)).version;
            if (midway === undefined && w === 0 && version >= perWriter / 2) {
              midway = take(log.subscribe(1, { batchSize: 700 }), total, 300_000);
            }
          }
          await writer.close();
        }),
      );
      for (const seen of [await earlySeen, await (midway as Promise<RecordedEvent[]>)]) {
        expect(seen).toHaveLength(total);
        expectGapFree(seen);
        for (let w = 0; w < writers; w++) {
          const mine = seen
            .filter((e) => e.stream === `writer-${w}`)
            .map((e) => (e.data as { n: number }).n);
          expect(mine).toEqual(Array.from({ length: perWriter }, (_, i) => i));
        }
      }
      expect(await log.head()).toBe(total);
    });

    it('resumes a subscription from the last processed position without loss or repeats', async () => {
      for (let i = 0; i < 30; i++) await log.append('s', i, [event('E', { i })]);
      const first = await take(log.subscribe(1, { batchSize: 7 }), 12);
      const last = first[first.length - 1]?.position ?? 0;
      const writing = (async () => {
        for (let i = 30; i < 40; i++) await log.append('s', i, [event('E', { i })]);
      })();
      const rest = await take(log.subscribe(last + 1, { batchSize: 7 }), 28);
      await writing;
      const combined = [...first, ...rest];
      expectGapFree(combined);
      expect(combined.map((e) => (e.data as { i: number }).i)).toEqual(
        Array.from({ length: 40 }, (_, i) => i),
      );
    });

    it('ends a subscription that is waiting for events when closed', async () => {
      const subscription = log.subscribe(1);
      const iterating = take(subscription, 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      subscription.close();
      expect(await iterating).toEqual([]);
    });

    it('verifies an intact hash chain and names the first altered event', async () => {
      for (let i = 0; i < 10; i++)
        await log.append(`s-${i % 3}`, Math.floor(i / 3), [event('E', { i })]);
      expect(await log.verify()).toEqual({ ok: true, checked: 10 });
      await store.tamper(7);
      const result = await log.verify();
      expect(result.ok).toBe(false);
      expect(result).toMatchObject({ ok: false, position: 7, reason: VerifyReason.edited });
    });

    it('checks the log against an anchored head', async () => {
      for (let i = 0; i < 5; i++) await log.append('s', i, [event('E', { i })]);
      const [fourth] = await log.readAll(4, { limit: 1 });
      const anchor = { position: 4, hash: fourth?.hash ?? '' };
      expect(await log.verify(anchor)).toEqual({ ok: true, checked: 5 });
      expect(await log.verify({ position: 4, hash: 'f'.repeat(64) })).toMatchObject({
        ok: false,
        position: 4,
        reason: VerifyReason.anchorMismatch,
      });
      expect(await log.verify({ position: 9, hash: anchor.hash })).toEqual({
        ok: false,
        checked: 5,
        position: 6,
        reason: VerifyReason.truncated,
      });
    });

    it('does not verify under another key', async () => {
      await log.append('s', 0, [event('E'), event('E')]);
      const other = await store.open(chainKey(randomBytes(32)));
      expect(await other.verify()).toMatchObject({
        ok: false,
        position: 1,
        reason: VerifyReason.rechained,
      });
    });

    it('offers no way to change or delete an event', () => {
      const methods = Object.keys(log).sort();
      expect(methods).toEqual(
        [
          'append',
          'close',
          'head',
          'readAll',
          'readBackward',
          'readCommand',
          'readStream',
          'subscribe',
          'verify',
        ].sort(),
      );
    });
  });
