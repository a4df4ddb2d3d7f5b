import { r, type Connection } from 'rethinkdb-ts';
import { newId } from '@berth/ids';
import { describe, expect, it } from 'vitest';
import { eventLogConformance, TEST_CHAIN_KEY } from './conformance.js';
import type { EventLog } from './port.js';
import { chainAll } from './rethinkdb-documents.js';
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

    /** The commit `t#0` with one event B, stored by a writer that then died. */
    const storeDeadWritersCommit = async (db: string, admin: Connection) => {
      const commit = {
        id: 't#0',
        stream: 't',
        prevVersion: 0,
        events: [stored('B')],
        createdAt: Date.now(),
        position: null,
        hashes: null,
      };
      await r.db(db).table('commits').insert(commit).run(admin);
      return commit;
    };

    it('finishes a claim whose writer died after taking positions, and readers wait for it', async () => {
      await withLog(async (log, db, admin) => {
        await log.append('s', 0, [{ type: 'A', data: {}, metadata }]);
        const head = (await r.db(db).table('meta').get('head').run(admin)) as { hash: string };
        const commit = await storeDeadWritersCommit(db, admin);
        // Position 2 claimed for that commit just now, but its events were never written.
        const [b] = chainAll(TEST_CHAIN_KEY, [commit], 2, head.hash);
        await r
          .db(db)
          .table('meta')
          .get('head')
          .update({
            position: 2,
            hash: b?.[0]?.hash,
            pending: [
              { commits: ['t#0'], from: 2, to: 2, prevHash: head.hash, at: r.now().toEpochTime() },
            ],
          })
          .run(admin);
        expect(await log.head()).toBe(1); // nobody reads past the unfinished claim
        // A claim need not wait for the one before it…
        const next = await log.append('u', 0, [{ type: 'C', data: {}, metadata }]);
        expect(next.positions).toEqual([3]);
        // …and readers finish the dead writer's claim once it is old enough.
        await expect.poll(() => log.head(), { timeout: 5000 }).toBe(3);
        expect((await log.readAll()).map((e) => [e.position, e.type])).toEqual([
          [1, 'A'],
          [2, 'B'],
          [3, 'C'],
        ]);
        expect(await log.readStream('t')).toMatchObject([{ type: 'B', version: 1, position: 2 }]);
        expect(await log.verify()).toEqual({ ok: true, checked: 3 });
      });
    });

    it('upgrades a head kept the earlier way, finishing the claim it holds', async () => {
      await withLog(async (log, db, admin) => {
        await log.append('s', 0, [{ type: 'A', data: {}, metadata }]);
        const head = (await r.db(db).table('meta').get('head').run(admin)) as { hash: string };
        await storeDeadWritersCommit(db, admin);
        // One claim in place of a list, and the hash still the one before it.
        await r
          .db(db)
          .table('meta')
          .get('head')
          .update({ position: 2, pending: { commits: ['t#0'], from: 2, prevHash: head.hash } })
          .run(admin);
        const upgraded = await openRethinkEventLog({ ...server, db, key: TEST_CHAIN_KEY });
        try {
          expect(await upgraded.head()).toBe(2);
          const after = (await r.db(db).table('meta').get('head').run(admin)) as {
            hash: string;
            pending: unknown;
          };
          expect(after.pending).toEqual([]);
          expect(after.hash).toBe((await upgraded.readAll(2))[0]?.hash);
          expect(
            (await upgraded.append('u', 0, [{ type: 'C', data: {}, metadata }])).positions,
          ).toEqual([3]);
          expect(await upgraded.verify()).toEqual({ ok: true, checked: 3 });
        } finally {
          await upgraded.close();
        }
      });
    });
  });

  describe('rethinkdb: instances that start at once on an empty server', () => {
    it('make one database and one of each table, and all of them append to the one log', async () => {
      const db = `berth_test_${newId().toLowerCase()}`;
      const admin = await r.connect({ host: server.host, port: server.port, silent: true });
      try {
        const logs = await Promise.all(
          Array.from({ length: 16 }, () =>
            openRethinkEventLog({ ...server, db, key: TEST_CHAIN_KEY, pollIntervalMs: 100 }),
          ),
        );
        const system = r.db('rethinkdb');
        expect(await system.table('db_config').filter({ name: db }).count().run(admin)).toBe(1);
        const tables: string[] = await system
          .table('table_config')
          .filter({ db })('name')
          .run(admin);
        expect(tables.sort()).toEqual(['commits', 'events', 'meta']);
        const id = newId();
        const metadata = { actor: 'tester', commandId: id, correlationId: id, causationId: id };
        await Promise.all(
          logs.map((log, i) => log.append(`s-${i}`, 0, [{ type: 'E', data: { i }, metadata }])),
        );
        expect(await logs[0]?.head()).toBe(16);
        await Promise.all(logs.map((log) => log.close()));
      } finally {
        await r.dbDrop(db).run(admin);
        await admin.close();
      }
    });
  });
}
