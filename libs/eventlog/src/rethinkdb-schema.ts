import { r, type Connection, type RDatum } from 'rethinkdb-ts';
import { GENESIS_HASH, type ChainKey } from './hash-chain.js';
import { chainAll, HEAD, type Head, type LegacyHead, type Pending } from './rethinkdb-documents.js';
import { checkWrite, logQueries } from './rethinkdb-queries.js';

/**
 * Creates the database, tables and indexes when missing; safe when several instances race.
 * RethinkDB does not make a name unique: creates that race can each make a database or table of
 * that name, and every later use of the name then fails as ambiguous. Nothing can have been
 * written to such twins (no write reaches an ambiguous name), so all racers keep the same one,
 * the smallest id, drop the others, and try again; so does a racer that made its tables in a
 * twin database that another one dropped.
 */
export const ensureSchema = async (conn: Connection, db: string) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await makeSchema(conn, db);
    } catch (error) {
      const raced = /is ambiguous|does not exist/.test(String(error));
      if (!raced || attempt === 10) throw error;
      await keepOneOfEachName(conn, db);
    }
  }
};

/** Drops every database named `db`, and every table in it, but the one with the smallest id. */
const keepOneOfEachName = async (conn: Connection, db: string) => {
  const system = r.db('rethinkdb');
  const dropTwins = async (table: 'db_config' | 'table_config', filter: Record<string, string>) => {
    const rows = await system.table<{ id: string; name: string }>(table).filter(filter).run(conn);
    const idsByName = new Map<string, string[]>();
    for (const { id, name } of rows) idsByName.set(name, [...(idsByName.get(name) ?? []), id]);
    for (const ids of idsByName.values()) {
      const [, ...extra] = ids.sort();
      for (const id of extra) await system.table(table).get(id).delete().run(conn);
    }
  };
  await dropTwins('db_config', { name: db });
  await dropTwins('table_config', { db });
};

const makeSchema = async (conn: Connection, db: string) => {
  const ignoreExists = (error: unknown) => {
    if (!String(error).includes('already exists')) throw error;
  };
  if (!(await r.dbList().run(conn)).includes(db))
    await r.dbCreate(db).run(conn).catch(ignoreExists);
  const tables = await r.db(db).tableList().run(conn);
  for (const table of ['commits', 'events', 'meta']) {
    if (!tables.includes(table)) await r.db(db).tableCreate(table).run(conn).catch(ignoreExists);
    // A table just made (here or by a racing instance) refuses writes until its shard is ready.
    await r.db(db).table(table).wait({ waitFor: 'ready_for_writes' }).run(conn);
  }
  const indexes: [string, string, (row: RDatum) => unknown][] = [
    ['commits', 'stream_version', (c) => [c('stream'), c('prevVersion')]],
    ['commits', 'unsequenced', (c) => c('position').eq(null)],
    ['events', 'commandId', (e) => e('metadata')('commandId')],
  ];
  for (const [table, name, fn] of indexes) {
    const existing = await r.db(db).table(table).indexList().run(conn);
    if (!existing.includes(name)) {
      await r
        .db(db)
        .table(table)
        .indexCreate(name, fn as never)
        .run(conn)
        .catch(ignoreExists);
    }
  }
  for (const table of ['commits', 'events']) await r.db(db).table(table).indexWait().run(conn);
  await r
    .db(db)
    .table('meta')
    .insert(
      { id: HEAD, position: 0, hash: GENESIS_HASH, pending: [] },
      { conflict: (_id, old, _new) => old },
    )
    .run(conn);
};

/**
 * A head left by a version before claims were pipelined holds at most one claim, and its hash
 * is set on release: that claim is finished, and the head takes today's shape. (Instances of
 * both versions must not run at once.)
 */
export const upgradeHead = async (conn: Connection, key: ChainKey) => {
  const store = logQueries(conn);
  const head = (await store.readHead()) as Head | LegacyHead;
  if (Array.isArray(head.pending)) return;
  let tip = head.hash;
  if (head.pending !== null) {
    const pending: Pending = { ...head.pending, to: head.position };
    const ordered = await store.readCommits(pending.commits);
    const recorded = chainAll(key, ordered, pending.from, pending.prevHash);
    await store.writeClaim(pending, ordered, recorded, 'hard');
    tip = recorded.flat().at(-1)?.hash ?? tip;
  }
  await checkWrite(
    r
      .table<Head>('meta')
      .get(HEAD)
      .update((h: RDatum<Head | null>) =>
        r.branch(h('pending').typeOf().eq('ARRAY'), {}, { pending: [], hash: tip }),
      )
      .run(conn),
  );
};
