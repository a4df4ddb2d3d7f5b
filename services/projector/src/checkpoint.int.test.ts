import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chainKey, openSqliteEventLog, type EventLog } from '@berth/eventlog';
import { newId } from '@berth/ids';
import { startNatsServer, type LocalNats } from '@berth/local-infra';
import { replay } from './replay.js';
import { start } from './start.js';

let nats: LocalNats;
let nc: NatsConnection;
let dir: string;
let log: EventLog;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect(nats.access);
  dir = mkdtempSync(join(tmpdir(), 'berth-checkpoint-'));
  log = openSqliteEventLog({ file: join(dir, 'events.db'), key: chainKey(randomBytes(32)) });
});
afterAll(async () => {
  await log.close();
  await nc.drain();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

const addAccounts = async (from: number, count: number) => {
  for (let i = from; i < from + count; i++) {
    const id = newId();
    const metadata = { actor: 't', commandId: id, correlationId: id, causationId: id };
    await log.append(`account-u${i}`, 0, [
      {
        type: 'AccountAdded',
        data: { accountId: `A${i}`, username: `u${i}`, role: 'user' },
        metadata,
      },
    ]);
  }
};

const quotaDefaults = { replicas: 50, cpus: 8, memory: 16_384 };
const startFrom = (checkpointFile: string, checkpointEvery?: number) =>
  start({
    nc,
    log,
    logger,
    quotaDefaults,
    checkpointFile,
    ...(checkpointEvery === undefined ? {} : { checkpointEvery }),
  });

it('resumes from its checkpoint after a stop and after a crash, ending equal to a full replay', async () => {
  const file = join(dir, 'read-model.json');
  await addAccounts(0, 20);
  const first = await startFrom(file, 5);
  expect(first.resumedFrom).toBe(0);
  await first.stop();
  expect(statSync(file).mode & 0o777).toBe(0o600); // it holds every account's data

  await addAccounts(20, 10);
  const second = await startFrom(file, 5);
  expect(second.resumedFrom).toBe(20); // read only what came after the checkpoint
  expect(second.model.position).toBe(30);
  await addAccounts(30, 12);
  await second.model.reached(42, 5000);
  // A crash: this instance is never stopped; its last periodic checkpoint is what survives.
  const third = await startFrom(file, 5);
  expect(third.resumedFrom).toBeGreaterThanOrEqual(35);
  expect(third.resumedFrom).toBeLessThan(42);
  expect(third.model.snapshot()).toEqual((await replay(log)).model.snapshot());
  await Promise.all([second.stop(), third.stop()]);

  // A checkpoint that does not match the log (damaged, or another log's) is ignored.
  writeFileSync(file, '{"hash":"nope","snapshot":{"position":3}}');
  const fourth = await startFrom(file);
  expect(fourth.resumedFrom).toBe(0);
  expect(fourth.model.accounts.list()).toHaveLength(42);
  await fourth.stop();
});
