// `npm run bench -- eventlog`: append and subscribe throughput of the event log adapters,
// each beside a baseline measured in the same run on the same machine.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { r } from 'rethinkdb-ts';
import { newId } from '@berth/ids';
import type { NewEvent } from '@berth/contracts';
import { chainKey } from '../hash-chain.js';
import type { EventLog } from '../port.js';
import { openRethinkEventLog, parseRethinkUrl } from '../rethinkdb.js';
import { openSqliteEventLog } from '../sqlite.js';

const key = chainKey(randomBytes(32));

const commandId = newId();
const metadata = { actor: 'bench', commandId, correlationId: commandId, causationId: commandId };
const sample = (i: number): NewEvent => ({
  type: 'ContainerStarted',
  data: {
    container: `c-${i}`,
    engine: 'engine-7',
    group: 'web',
    ports: [{ container: 80, host: 30000 + (i % 1000) }],
  },
  metadata,
});
const batch = (from: number, size: number) =>
  Array.from({ length: size }, (_, i) => sample(from + i));

const rate = (events: number, ms: number) => Math.round((events / ms) * 1000);
const report = (
  what: string,
  events: number,
  ms: number,
  baseline?: { name: string; perSecond: number },
) => {
  const perSecond = rate(events, ms);
  const ratio =
    baseline === undefined
      ? ''
      : `  (${(perSecond / baseline.perSecond).toFixed(2)}× ${baseline.name})`;
  console.log(
    `${what.padEnd(58)} ${perSecond.toLocaleString('en-US').padStart(10)} events/s${ratio}`,
  );
  return perSecond;
};

const time = async (work: () => unknown) => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

/** Appends `total` events in batches of `size`, one append at a time. */
const appendSequential = async (log: EventLog, stream: string, total: number, size: number) => {
  for (let version = 0; version < total; version += size)
    await log.append(stream, version, batch(version, size));
};

/** `producers` writers, each appending single events to its own stream, all at once. */
const appendConcurrent = async (log: EventLog, prefix: string, producers: number, each: number) => {
  await Promise.all(
    Array.from({ length: producers }, async (_, p) => {
      for (let version = 0; version < each; version++)
        await log.append(`${prefix}-${p}`, version, [sample(version)]);
    }),
  );
};

const drain = async (log: EventLog, count: number) => {
  let seen = 0;
  for await (const _event of log.subscribe(1, { batchSize: 5000 })) if (++seen === count) break;
};

/** Plain SQLite on the same durability settings: an insert per row, no hashing or checks. */
const sqliteBaseline = (file: string, total: number, size: number) => {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(
    'CREATE TABLE t (position INTEGER PRIMARY KEY, stream TEXT, type TEXT, data TEXT, metadata TEXT)',
  );
  const insert = db.prepare('INSERT INTO t (stream, type, data, metadata) VALUES (?, ?, ?, ?)');
  const write = db.transaction((events: NewEvent[]) => {
    for (const e of events)
      insert.run('s', e.type, JSON.stringify(e.data), JSON.stringify(e.metadata));
  });
  const ms = performance.now();
  for (let i = 0; i < total; i += size) write(batch(i, size));
  const elapsed = performance.now() - ms;
  return { db, elapsed };
};

const benchSqlite = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  try {
    console.log('\nSQLite event log (WAL, synchronous=FULL: every commit is fsynced)');
    const base100 = sqliteBaseline(join(dir, 'base100.db'), 100_000, 100);
    const baseline100 = { name: 'raw SQLite inserts', perSecond: rate(100_000, base100.elapsed) };
    const base1 = sqliteBaseline(join(dir, 'base1.db'), 2_000, 1);
    const baseline1 = { name: 'raw SQLite inserts', perSecond: rate(2_000, base1.elapsed) };
    base1.db.close();

    const log = openSqliteEventLog({ file: join(dir, 'events.db'), key });
    report(
      'append, batches of 100 (100,000 events)',
      100_000,
      await time(() => appendSequential(log, 'b100', 100_000, 100)),
      baseline100,
    );
    report(
      'append, one by one, one writer (2,000 events)',
      2_000,
      await time(() => appendSequential(log, 'b1', 2_000, 1)),
      baseline1,
    );
    report(
      'append, one by one, 32 concurrent writers (32,000 events)',
      32_000,
      await time(() => appendConcurrent(log, 'c', 32, 1_000)),
      baseline1,
    );

    const target = 1_000_000;
    const have = await log.head();
    const fill = time(() => appendSequential(log, 'fill', target - have, 1000));
    console.log(
      `(filled the log to ${target.toLocaleString('en-US')} events in ${((await fill) / 1000).toFixed(1)} s)`,
    );
    const scanMs = await time(() => {
      const rows = base100.db
        .prepare<[], { data: string; metadata: string }>('SELECT * FROM t')
        .iterate();
      let n = 0;
      for (const row of rows) {
        JSON.parse(row.data);
        JSON.parse(row.metadata);
        n++;
      }
      return n;
    });
    const scanBaseline = { name: 'raw SQLite scan + JSON.parse', perSecond: rate(100_000, scanMs) };
    base100.db.close();
    report(
      `subscribe from 0, ${target.toLocaleString('en-US')} events`,
      target,
      await time(() => drain(log, target)),
      scanBaseline,
    );
    const verifyMs = await time(() => log.verify());
    report(`verify the hash chain of ${target.toLocaleString('en-US')} events`, target, verifyMs);
    await log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const benchRethink = async (url: string) => {
  const server = parseRethinkUrl(url);
  const db = `berth_bench_${newId().toLowerCase()}`;
  const admin = await r.connect({ host: server.host, port: server.port, silent: true });
  console.log(`\nRethinkDB event log (${server.host}:${server.port}, durability hard)`);
  try {
    const log = await openRethinkEventLog({ host: server.host, port: server.port, db, key });
    const baseTable = r.db(db).table('baseline_inserts');
    await r.db(db).tableCreate('baseline_inserts').run(admin);
    const baseMs = await time(async () => {
      for (let i = 0; i < 2_000; i++) await baseTable.insert({ i, ...sample(i) }).run(admin);
    });
    const baseline = { name: 'single-document inserts', perSecond: rate(2_000, baseMs) };
    report(
      'append, batches of 100 (20,000 events)',
      20_000,
      await time(() => appendSequential(log, 'b100', 20_000, 100)),
      baseline,
    );
    const oneByOne = report(
      'append, one by one, one writer (1,000 events)',
      1_000,
      await time(() => appendSequential(log, 'b1', 1_000, 1)),
      baseline,
    );
    report(
      'append, one by one, 16 concurrent writers (4,000 events)',
      4_000,
      await time(() => appendConcurrent(log, 'c16', 16, 250)),
      baseline,
    );
    const concurrent = report(
      'append, one by one, 32 concurrent writers (8,000 events)',
      8_000,
      await time(() => appendConcurrent(log, 'c32', 32, 250)),
      baseline,
    );
    const ratio = oneByOne / baseline.perSecond;
    console.log(
      `target: one by one ≥ 0.40× single-document inserts: ${ratio.toFixed(2)}× ${ratio >= 0.4 ? 'met' : 'MISSED'}`,
    );
    console.log(
      `target: 32 concurrent writers ≥ 1,000 events/s: ${concurrent.toLocaleString('en-US')} ${concurrent >= 1000 ? 'met' : 'MISSED'}`,
    );
    const total = await log.head();
    report(
      `subscribe from 0, ${total.toLocaleString('en-US')} events`,
      total,
      await time(() => drain(log, total)),
    );
    await log.close();
  } finally {
    await r.dbDrop(db).run(admin);
    await admin.close();
  }
};

await benchSqlite();
const rethinkUrl = process.env.BERTH_RETHINKDB_URL;
if (rethinkUrl) await benchRethink(rethinkUrl);
else
  console.log('\nRethinkDB: skipped (set BERTH_RETHINKDB_URL=rethinkdb://host:port to measure it)');
