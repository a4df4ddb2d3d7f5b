import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { eventLogConformance } from './conformance.js';
import type { EventLog } from './port.js';
import { openSqliteEventLog } from './sqlite.js';

eventLogConformance('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-eventlog-'));
  const file = join(dir, 'events.db');
  const opened: EventLog[] = [];
  return Promise.resolve({
    open: () => {
      const log = openSqliteEventLog({ file, pollIntervalMs: 50 });
      opened.push(log);
      return Promise.resolve(log);
    },
    tamper: (position: number) => {
      const raw = new Database(file);
      raw.exec('DROP TRIGGER events_no_update');
      raw
        .prepare(`UPDATE events SET data = json_set(data, '$.i', 999) WHERE position = ?`)
        .run(position);
      raw.close();
      return Promise.resolve();
    },
    destroy: async () => {
      for (const log of opened) await log.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

it('sqlite refuses UPDATE and DELETE on the events table even through raw SQL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-eventlog-'));
  const file = join(dir, 'events.db');
  const log = openSqliteEventLog({ file });
  const id = '01JAAAAAAAAAAAAAAAAAAAAAAA';
  const metadata = { actor: 'a', commandId: id, correlationId: id, causationId: id };
  await log.append('s', 0, [{ type: 'E', data: {}, metadata }]);
  const raw = new Database(file);
  expect(() => raw.prepare('UPDATE events SET type = ?').run('F')).toThrow(/append-only/);
  expect(() => raw.prepare('DELETE FROM events').run()).toThrow(/append-only/);
  raw.close();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});
