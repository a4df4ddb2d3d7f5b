import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@berth/contracts';
import { newId } from '@berth/ids';
import { eventLogConformance, TEST_CHAIN_KEY } from './conformance.js';
import { canonicalJson, chainKey, eventHash } from './hash-chain.js';
import type { EventLog } from './port.js';
import { openSqliteEventLog } from './sqlite.js';
import { VerifyReason } from './verify.js';

eventLogConformance('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-eventlog-'));
  const file = join(dir, 'events.db');
  const opened: EventLog[] = [];
  return Promise.resolve({
    open: (key = TEST_CHAIN_KEY) => {
      const log = openSqliteEventLog({ file, key, pollIntervalMs: 50 });
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

it('opens a new file while another process writes to it (the switch to WAL waits)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-eventlog-'));
  const file = join(dir, 'events.db');
  // Another process is in a write transaction on the file in rollback mode, as a process that
  // opened it a moment before is while it switches the file to WAL. SQLite refuses this one's
  // switch at once with SQLITE_BUSY, without waiting out the busy timeout.
  const reader = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import Database from 'better-sqlite3';
       const db = new Database(${JSON.stringify(file)});
       db.exec('BEGIN IMMEDIATE');
       console.log('writing');
       setTimeout(() => { db.exec('COMMIT'); db.close(); }, 400);`,
    ],
    { cwd: import.meta.dirname, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      reader.stdout.once('data', () => resolve());
      reader.once('exit', (code) => reject(new Error(`the reader exited with ${code}`)));
    });
    const log = openSqliteEventLog({ file, key: TEST_CHAIN_KEY });
    const commandId = newId();
    const written = await log.append('s-1', 0, [
      {
        type: 'Opened',
        data: {},
        metadata: { actor: 'tester', commandId, correlationId: commandId, causationId: commandId },
      },
    ]);
    expect(written.version).toBe(1);
    await log.close();
  } finally {
    reader.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('sqlite refuses UPDATE and DELETE on the events table even through raw SQL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-eventlog-'));
  const file = join(dir, 'events.db');
  const log = openSqliteEventLog({ file, key: TEST_CHAIN_KEY });
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

describe('sqlite: tampering by someone who can write the file but has no key', () => {
  const withTenEvents = async (test: (file: string, log: EventLog) => Promise<void>) => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-eventlog-'));
    const file = join(dir, 'events.db');
    const log = openSqliteEventLog({ file, key: TEST_CHAIN_KEY });
    for (let i = 0; i < 10; i++) {
      const id = newId();
      const metadata = { actor: 'a', commandId: id, correlationId: id, causationId: id };
      await log.append('s', i, [{ type: 'E', data: { i }, metadata }]);
    }
    try {
      await test(file, log);
    } finally {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };

  /** Edits event 4 and makes every hash from there on again with `hash`, as an attacker would. */
  const editAndRechain = async (
    file: string,
    log: EventLog,
    hash: (previous: string, event: RecordedEvent) => string,
  ) => {
    const [third, ...rest] = await log.readAll(3);
    const edited = rest.map((e) =>
      e.position === 4 ? { ...e, metadata: { ...e.metadata, actor: 'someone else' } } : e,
    );
    const raw = new Database(file);
    raw.exec('DROP TRIGGER events_no_update');
    raw.prepare(`UPDATE events SET actor = 'someone else' WHERE position = 4`).run();
    let previous = third?.hash ?? '';
    for (const event of edited) {
      previous = hash(previous, event);
      raw.prepare('UPDATE events SET hash = ? WHERE position = ?').run(previous, event.position);
    }
    raw.close();
  };

  it('names the first edited event when the chain was recomputed with plain SHA-256', () =>
    withTenEvents(async (file, log) => {
      await editAndRechain(file, log, (previous, event) =>
        createHash('sha256').update(previous).update(JSON.stringify(event)).digest('hex'),
      );
      expect(await log.verify()).toEqual({
        ok: false,
        checked: 3,
        position: 4,
        reason: VerifyReason.rechained,
      });
    }));

  it('names the first edited event when the chain was recomputed under another key', () =>
    withTenEvents(async (file, log) => {
      const otherKey = chainKey(randomBytes(32));
      await editAndRechain(file, log, (previous, event) =>
        eventHash(otherKey, previous, event, canonicalJson(event.data)),
      );
      expect(await log.verify()).toMatchObject({
        ok: false,
        position: 4,
        reason: VerifyReason.rechained,
      });
    }));

  it('reports a cut tail against the anchored head', () =>
    withTenEvents(async (file, log) => {
      const [tenth] = await log.readAll(10);
      const anchor = { position: 10, hash: tenth?.hash ?? '' };
      expect(await log.verify(anchor)).toEqual({ ok: true, checked: 10 });
      const raw = new Database(file);
      raw.exec('DROP TRIGGER events_no_delete');
      raw.prepare('DELETE FROM events WHERE position > 7').run();
      raw.close();
      expect(await log.verify()).toEqual({ ok: true, checked: 7 }); // the chain alone cannot tell
      expect(await log.verify(anchor)).toEqual({
        ok: false,
        checked: 7,
        position: 8,
        reason: VerifyReason.truncated,
      });
    }));
});
