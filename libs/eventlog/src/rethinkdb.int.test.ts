import { r, type Connection } from 'rethinkdb-ts';
import { newId } from '@berth/ids';
import { describe, expect, it } from 'vitest';
import { eventLogConformance, TEST_CHAIN_KEY } from './conformance.js';
import type { EventLog } from './port.js';
import { openRethinkEventLog, parseRethinkUrl } from './rethinkdb.js';

const url = process.env.BERTH_RETHINKDB_URL;

if (url === undefined || url === '') {
  console.log(
    'event log conformance: SKIPPED RethinkDB — set BERTH_RETHINKDB_URL=rethinkdb://host:port to run it',
  );
  describe.skip('event log conformance: rethinkdb (BERTH_RETHINKDB_URL not set)', () => {
    it('needs a RethinkDB server', () => undefined);
  });
} else {
  const server = parseRethinkUrl(url);
  eventLogConformance('rethinkdb', async () => {
    const db = `berth_test_${newId().toLowerCase()}`;
    const admin = await r.connect({ host: server.host, port: server.port, silent: true });
    const opened: EventLog[] = [];
    return {
      open: async (key = TEST_CHAIN_KEY) => {
        const log = await openRethinkEventLog({
          host: server.host,
          port: server.port,
          db,
          key,
          pollIntervalMs: 100,
        });
        opened.push(log);
        return log;
      },
      tamper: async (position: number) => {
        await r
          .db(db)
          .table('events')
          .get(position)
          .update({ data: { i: 999 } })
          .run(admin);
      },
      destroy: async () => {
        for (const log of opened) await log.close().catch(() => undefined);
        await r.dbDrop(db).run(admin);
        await admin.close();
      },
    };
  });

  describe('rethinkdb: a writer that dies between its steps', () => {
    const withLog = async (
      test: (log: EventLog, db: string, admin: Connection) => Promise<void>,
    ) => {
      const db = `berth_test_${newId().toLowerCase()}`;
      const admin = await r.connect({ host: server.host, port: server.port, silent: true });
      const log = await openRethinkEventLog({
        ...server,
        db,
        key: TEST_CHAIN_KEY,
        pollIntervalMs: 100,
        orphanAfterMs: 200,
      });
      try {
        await test(log, db, admin);
      } finally {
        await log.close();
        await r.dbDrop(db).run(admin);
        await admin.close();
      }
    };
    const id = newId();
    const metadata = { actor: 'tester', commandId: id, correlationId: id, causationId: id };
    const stored = (type: string) => ({
      id: newId(),
      type,
      v: 1,
      at: new Date().toISOString(),
      data: {},
      metadata,
    });

    it('sequences a commit that was stored but never given positions', async () => {
      await withLog(async (log, db, admin) => {
        await log.append('s', 0, [{ type: 'A', data: {}, metadata }]);
        // The writer stored its commit, then died before claiming positions.
        await r
          .db(db)
          .table('commits')
          .insert({
            id: 's#1',
            stream: 's',
            prevVersion: 1,
            events: [stored('B'), stored('C')],
            createdAt: Date.now(),
            position: null,
            hashes: null,
          })
          .run(admin);
        expect((await log.readStream('s')).map((e) => [e.type, e.version, e.position])).toEqual([
          ['A', 1, 1],
          ['B', 2, 2],
          ['C', 3, 3],
        ]);
        await expect(log.append('s', 1, [{ type: 'X', data: {}, metadata }])).rejects.toThrow(
          /version/,
        );
        expect((await log.append('s', 3, [{ type: 'D', data: {}, metadata }])).positions).toEqual([
          4,
        ]);
        expect(await log.verify()).toEqual({ ok: true, checked: 4 });
      });
    });

    it('finishes a claim whose writer died after taking positions, and readers wait for it', async () => {
      await withLog(async (log, db, admin) => {
        await log.append('s', 0, [{ type: 'A', data: {}, metadata }]);
        const head = (await r.db(db).table('meta').get('head').run(admin)) as { hash: string };
        await r
          .db(db)
          .table('commits')
          .insert({
            id: 't#0',
            stream: 't',
            prevVersion: 0,
            events: [stored('B')],
            createdAt: Date.now(),
            position: null,
            hashes: null,
          })
          .run(admin);
        // Positions 2.. claimed for that commit, but its events were never written.
        await r
          .db(db)
          .table('meta')
          .get('head')
          .update({
            position: 2,
            hash: 'f'.repeat(64),
            pending: { commits: ['t#0'], from: 2, prevHash: head.hash },
          })
          .run(admin);
        expect(await log.head()).toBe(1); // nobody reads past the unfinished claim
        const next = await log.append('u', 0, [{ type: 'C', data: {}, metadata }]);
        expect(next.positions).toEqual([3]);
        expect((await log.readAll()).map((e) => [e.position, e.type])).toEqual([
          [1, 'A'],
          [2, 'B'],
          [3, 'C'],
        ]);
        expect(await log.verify()).toEqual({ ok: true, checked: 3 });
      });
    });
  });
}
