import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@berth/ids';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RejectedError } from '@berth/errors';
import { chainKey, openSqliteEventLog, type EventLog } from '@berth/eventlog';
import type { Decider } from './decider.js';
import { handleCommand } from './handle-command.js';

// A seat counter with a capacity: enough domain to show conflicts and rejections.
type Reserve = { seats: number };
type Reserved = { type: 'SeatsReserved'; data: { seats: number } };
const seats: Decider<Reserve, Reserved, { taken: number }> = {
  initialState: { taken: 0 },
  evolve: (state, event) => ({ taken: state.taken + event.data.seats }),
  decide: (command, state) => {
    if (state.taken + command.seats > 10)
      throw new RejectedError(`only ${10 - state.taken} seats left`);
    return [{ type: 'SeatsReserved', data: { seats: command.seats } }];
  },
};

const metadata = (commandId = newId()) => ({ commandId, actor: 'tester' });

describe('handleCommand on the SQLite log', () => {
  let dir: string;
  let instances: EventLog[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-decider-'));
    const key = chainKey(randomBytes(32)); // both instances write one chain
    instances = [0, 1].map(() => openSqliteEventLog({ file: join(dir, 'events.db'), key }));
  });
  afterEach(async () => {
    for (const log of instances) await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a retried commandId with the first outcome on any instance and appends nothing', async () => {
    const [a, b] = instances as [EventLog, EventLog];
    const id = newId();
    const first = await handleCommand(a, seats, 'show-1', { seats: 2 }, metadata(id));
    const retry = await handleCommand(b, seats, 'show-1', { seats: 2 }, metadata(id));
    expect(retry).toEqual(first);
    expect(await a.readStream('show-1')).toHaveLength(1);
    expect(first.events[0]?.metadata).toEqual({
      actor: 'tester',
      commandId: id,
      correlationId: id,
      causationId: id,
    });
  });

  it('never oversells under concurrent commands from two instances (conflicts are retried)', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        handleCommand(instances[i % 2] as EventLog, seats, 'show-2', { seats: 1 }, metadata()),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    for (const o of outcomes)
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(RejectedError);
    expect(await instances[0]?.readStream('show-2')).toHaveLength(10);
  });

  it('runs a duplicate in flight on two instances once', async () => {
    const id = newId();
    const [x, y] = await Promise.all(
      instances.map((log) => handleCommand(log, seats, 'show-3', { seats: 3 }, metadata(id))),
    );
    expect(x).toEqual(y);
    expect(await instances[0]?.readStream('show-3')).toHaveLength(1);
  });
});
