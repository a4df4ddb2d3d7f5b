import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { r, type RDatum } from 'rethinkdb-ts';
import { newId } from '@berth/ids';
import { describe, expect, it } from 'vitest';
import { eventLogConformance, TEST_CHAIN_KEY } from './conformance.js';
import type { EventLog } from './port.js';
import { chainAll, type Entry } from './rethinkdb-documents.js';
import { chainKey, GENESIS_HASH } from './hash-chain.js';
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
        const log = r.db(db).table<Entry>('log');
        const [entry] = await log
          .between(r.minval, position + 1)
          .orderBy({ index: r.desc('id') })
          .limit(1)
          .run(admin);
        if (entry === undefined) throw new Error(`no entry holds position ${position}`);
        for (const commit of entry.commits) {
          const event = commit.events[position - commit.position];
          if (event !== undefined) event.data = { i: 999 };
        }
        await log.get(entry.id).replace(entry).run(admin);
      },
      destroy: async () => {
        for (const log of opened) await log.close().catch(() => undefined);
        await r.dbDrop(db).run(admin);
        await admin.close();
      },
    };
  });

  describe('rethinkdb: a writer killed mid-append', () => {
    it('leaves the log whole: every answered append in it, none half-written, and appends go on', async () => {
      const db = `berth_test_${newId().toLowerCase()}`;
      const keyHex = randomBytes(32).toString('hex');
      const key = chainKey(Buffer.from(keyHex, 'hex'));
      // Eight writers in one process, two events per append, until SIGKILL (or 500 appends).
      const writer = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { chainKey, openRethinkEventLog } from '@berth/eventlog';
           const log = await openRethinkEventLog({ host: ${JSON.stringify(server.host)},
             port: ${server.port}, db: ${JSON.stringify(db)},
             key: chainKey(Buffer.from(${JSON.stringify(keyHex)}, 'hex')) });
           const metadata = { actor: 't', commandId: 'c', correlationId: 'c', causationId: 'c' };
           await Promise.all(Array.from({ length: 8 }, async (_, w) => {
             for (let version = 0; version < 1000; ) {
               const events = [{ type: 'Tick', data: { w }, metadata }, { type: 'Tock', data: { w }, metadata }];
               const answer = await log.append('w-' + w, version, events);
               version = answer.version;
               console.log(JSON.stringify({ stream: 'w-' + w, version, positions: answer.positions }));
             }
           }));`,
        ],
        { cwd: import.meta.dirname, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      type Answered = { stream: string; version: number; positions: number[] };
      const answered: Answered[] = [];
      let rest = '';
      const exited = new Promise((resolve) => writer.once('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        writer.stdout.on('data', (chunk: Buffer) => {
          const lines = (rest + chunk.toString()).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) answered.push(JSON.parse(line) as Answered);
          if (answered.length >= 200) resolve();
        });
        writer.once('exit', (code) => reject(new Error(`the writer exited with ${code}`)));
      });
      writer.kill('SIGKILL');
      await exited;

      const admin = await r.connect({ host: server.host, port: server.port, silent: true });
      const log = await openRethinkEventLog({ ...server, db, key });
      try {
        const all = await log.readAll();
        expect(all.map((e) => e.position)).toEqual(all.map((_, i) => i + 1));
        expect(await log.verify()).toEqual({ ok: true, checked: all.length });
        const byPosition = new Map(all.map((e) => [e.position, e]));
        for (const { stream, version, positions } of answered) {
          expect(
            positions.map((p) => [byPosition.get(p)?.stream, byPosition.get(p)?.version]),
          ).toEqual([
            [stream, version - 1],
            [stream, version],
          ]);
        }
        for (let w = 0; w < 8; w++) {
          const events = await log.readStream(`w-${w}`);
          expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
          expect(events.map((e) => e.type)).toEqual(
            events.map((_, i) => (i % 2 === 0 ? 'Tick' : 'Tock')),
          );
          const metadata = { actor: 't', commandId: 'c', correlationId: 'c', causationId: 'c' };
          await log.append(`w-${w}`, events.length, [{ type: 'After', data: {}, metadata }]);
        }
        expect(await log.verify()).toEqual({ ok: true, checked: all.length + 8 });
        console.log(
          `killed after ${answered.length} answered appends; the log holds ${all.length} events`,
        );
      } finally {
        await log.close();
        await r.dbDrop(db).run(admin);
        await admin.close();
      }
    });
  });

  describe('rethinkdb: a log kept the earlier way (commits, events, meta)', () => {
    it('is copied into the log once, at the same positions and hashes, with its unfinished claim and its unclaimed commit', async () => {
      const db = `berth_test_${newId().toLowerCase()}`;
      const admin = await r.connect({ host: server.host, port: server.port, silent: true });
      const opened: EventLog[] = [];
      try {
        await r.dbCreate(db).run(admin);
        for (const table of ['commits', 'events', 'meta'])
          await r.db(db).tableCreate(table).run(admin);
        await r
          .db(db)
          .table('commits')
          .indexCreate('unsequenced', (c: RDatum) => c('position').eq(null))
          .run(admin);
        await r.db(db).table('commits').indexWait().run(admin);
        const id = newId();
        const metadata = { actor: 'tester', commandId: id, correlationId: id, causationId: id };
        const stored = (type: string) => ({
          id: newId(),
          type,
          v: 1,
          at: new Date().toISOString(),
          data: { type },
          metadata,
        });
        const written = {
          id: 's#0',
          stream: 's',
          prevVersion: 0,
          events: [stored('A'), stored('B')],
        };
        const claimed = { id: 't#0', stream: 't', prevVersion: 0, events: [stored('C')] };
        const unclaimed = { id: 'u#0', stream: 'u', prevVersion: 0, events: [stored('D')] };
        const [ab = [], c = []] = chainAll(TEST_CHAIN_KEY, [written, claimed], 1, GENESIS_HASH);
        // A and B sequenced and written; C claimed, but its writer died before writing it; D
        // stored by a writer that died before claiming it.
        await r
          .db(db)
          .table('commits')
          .insert([
            { ...written, createdAt: 0, position: 1, hashes: ab.map((e) => e.hash) },
            { ...claimed, createdAt: 0, position: null, hashes: null },
            { ...unclaimed, createdAt: 0, position: null, hashes: null },
          ])
          .run(admin);
        await r
          .db(db)
          .table('events')
          .insert(
            ab.map(({ position, id: eventId, ...rest }) => ({ ...rest, id: position, eventId })),
          )
          .run(admin);
        await r
          .db(db)
          .table('meta')
          .insert({
            id: 'head',
            position: 3,
            hash: c[0]?.hash,
            pending: [{ commits: ['t#0'], from: 3, to: 3, prevHash: ab[1]?.hash, at: 0 }],
          })
          .run(admin);

        // Two instances that start at once both migrate it.
        const open = () =>
          openRethinkEventLog({ ...server, db, key: TEST_CHAIN_KEY, pollIntervalMs: 100 });
        opened.push(...(await Promise.all([open(), open()])));
        const [log = opened[0] as EventLog, other = opened[1] as EventLog] = opened;
        const all = await log.readAll();
        expect(all.map((e) => [e.position, e.stream, e.version, e.type])).toEqual([
          [1, 's', 1, 'A'],
          [2, 's', 2, 'B'],
          [3, 't', 1, 'C'],
          [4, 'u', 1, 'D'],
        ]);
        expect(all.slice(0, 3).map((e) => e.hash)).toEqual([...ab, ...c].map((e) => e.hash));
        expect(await log.verify()).toEqual({ ok: true, checked: 4 });
        expect((await other.append('s', 2, [{ type: 'E', data: {}, metadata }])).positions).toEqual(
          [5],
        );
        await expect(log.append('u', 0, [{ type: 'X', data: {}, metadata }])).rejects.toThrow(
          /version/,
        );
        expect((await r.db(db).tableList().run(admin)).sort()).toEqual([
          'log',
          'v1_commits',
          'v1_events',
          'v1_meta',
        ]);
      } finally {
        for (const log of opened) await log.close();
        await r.dbDrop(db).run(admin);
        await admin.close();
      }
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
        expect(tables).toEqual(['log']);
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
