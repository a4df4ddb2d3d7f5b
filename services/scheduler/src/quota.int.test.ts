import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ImageSpec, SCHEDULE_STREAM } from '@berth/contracts';
import { streamHandler } from '@berth/decider';
import { chainKey, openSqliteEventLog, type EventLog } from '@berth/eventlog';
import { newId } from '@berth/ids';
import { scheduleDecider, type Pool } from './domain/schedule.js';

// Two scheduler instances on one SQLite log, as in cluster mode: the quota holds across both.
let dir: string;
let logs: EventLog[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-quota-'));
  const key = chainKey(randomBytes(32));
  logs = [0, 1].map(() => openSqliteEventLog({ file: join(dir, 'events.db'), key }));
});
afterAll(async () => {
  for (const log of logs) await log.close();
  rmSync(dir, { recursive: true, force: true });
});

const pool: Pool = [{ id: 'e1', cpus: 64, memory: 65_536, labels: [], schedulable: true }];
const spec = ImageSpec.parse({ image: 'web:1', cpus: 0.1, memory: 16 });

it('accepts exactly the quota of 20 concurrent one-replica runs split over two instances', async () => {
  const [a, b] = logs.map((log) => streamHandler(log, scheduleDecider, SCHEDULE_STREAM));
  if (a === undefined || b === undefined) throw new Error('two instances');
  const oneReplica = { type: 'Run', spec, count: 1, pull: false, byAdmin: false } as const;
  const quotaOf = () => ({ replicas: 5, cpus: null, memory: null });
  const run = (i: number) =>
    (i % 2 === 0 ? a : b).handle(
      { ...oneReplica, group: newId(), owner: 'ann', pool, newId, quotaOf },
      { commandId: newId(), actor: 'ann' },
    );
  const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => run(i)));
  expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
  for (const o of outcomes)
    if (o.status === 'rejected')
      expect(o.reason).toMatchObject({ code: 'quota_exceeded', field: 'count' });
  const created = (await logs[0]?.readStream(SCHEDULE_STREAM))?.filter(
    (e) => e.type === 'GroupCreated',
  );
  expect(created).toHaveLength(5);
});
