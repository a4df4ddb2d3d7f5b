// Two account-service instances summarizing unknown-username failures into one SQLite log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { generateSecretKey, parseSecretKey } from '@berth/auth';
import { chainKey, openSqliteEventLog, type EventLog } from '@berth/eventlog';
import { createLogger } from '@berth/log';
import { unknownLoginSummaries } from './unknown-logins.js';

let dir: string;
let log: EventLog;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-unknown-logins-'));
  log = openSqliteEventLog({
    file: join(dir, 'events.db'),
    key: chainKey(parseSecretKey(generateSecretKey())),
  });
});
afterEach(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

it('appends at most one summary a minute across instances, and loses no count', async () => {
  let now = Date.parse('2026-12-02T10:00:30.000Z');
  const logger = createLogger('account', 'silent');
  const [a, b] = [0, 1].map(() => unknownLoginSummaries(log, logger, () => now));
  if (a === undefined || b === undefined) throw new Error('two instances');
  for (let i = 0; i < 3; i++) a.failed();
  now += 10_000;
  for (let i = 0; i < 2; i++) b.failed();

  now = Date.parse('2026-12-02T10:01:00.050Z');
  await a.summarizeLastMinute();
  await b.summarizeLastMinute(); // the minute is summarized: b's count waits for the next one
  await a.summarizeLastMinute(); // nothing new
  now = Date.parse('2026-12-02T10:02:00.050Z');
  await b.summarizeLastMinute();
  await Promise.all([a.stop(), b.stop()]);

  const summaries = await log.readAll(1, { filter: { types: ['LoginFailuresSummarized'] } });
  expect(summaries.map((e) => [e.stream, e.data])).toEqual([
    [
      'login-failures-unknown-2026-12-02T10:00',
      { count: 3, since: '2026-12-02T10:00:30.000Z', until: '2026-12-02T10:00:30.000Z' },
    ],
    [
      'login-failures-unknown-2026-12-02T10:01',
      { count: 2, since: '2026-12-02T10:00:40.000Z', until: '2026-12-02T10:00:40.000Z' },
    ],
  ]);
});
