import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@berth/ids';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RejectedError } from '@berth/errors';
import { chainKey, openSqliteEventLog, type EventLog } from '@berth/eventlog';
import type { Decider } from './decider.js';
import { streamHandler } from './stream-handler.js';

// A seat counter with a capacity, folded in place as the scheduler's state is.
type Reserve = { seats: number };
type Reserved = { type: 'SeatsReserved'; data: { seats: number } };
const seats: Decider<Reserve, Reserved, { taken: number }> = {
  get initialState() {
    return { taken: 0 };
  },
  evolve: (state, event) => ((state.taken += event.data.seats), state),
  decide: (command, state) => {
    if (state.taken + command.seats > 10)
      throw new RejectedError(`only ${10 - state.taken} seats left`);
    return [{ type: 'SeatsReserved', data: { seats: command.seats } }];
  },
};
const metadata = (commandId = newId()) => ({ commandId, actor: 'tester' });

describe('streamHandler on the SQLite log', () => {
  let dir: string;
  let instances: EventLog[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-stream-handler-'));
    const key = chainKey(randomBytes(32)); // both instances write one chain
    instances = [0, 1].map(() => openSqliteEventLog({ file: join(dir, 'events.db'), key }));
  });
  afterEach(async () => {
    for (const log of instances) await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decides concurrent commands as one append, each on what the ones before it left', async () => {
    const log = instances[0] as EventLog;
    let appends = 0;
    const counted: EventLog = { ...log, append: (...args) => (appends++, log.append(...args)) };
    const handler = streamHandler(counted, seats, 'show-1');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, () => handler.handle({ seats: 1 }, metadata())),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    for (const o of outcomes)
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(RejectedError);
    expect(await log.readStream('show-1')).toHaveLength(10);
    expect(appends).toBe(1);
  });

  it('never oversells with two instances deciding batches at once (conflicts are retried)', async () => {
    const [a, b] = instances.map((log) => streamHandler(log, seats, 'show-2'));
    if (a === undefined || b === undefined) throw new Error('two handlers');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).handle({ seats: 1 }, metadata())),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    expect(await instances[0]?.readStream('show-2')).toHaveLength(10);
    expect((await a.current()).taken).toBe(10);
    expect((await b.current()).taken).toBe(10);
  });

  it('decides a command sent twice in one batch once', async () => {
    const handler = streamHandler(instances[0] as EventLog, seats, 'show-3');
    const id = newId();
    const [x, y] = await Promise.all([
      handler.handle({ seats: 3 }, metadata(id)),
      handler.handle({ seats: 3 }, metadata(id)),
    ]);
    expect(x).toEqual(y);
    expect(await instances[0]?.readStream('show-3')).toHaveLength(1);
  });
});
