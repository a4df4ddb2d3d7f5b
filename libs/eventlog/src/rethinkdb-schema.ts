import { r, type Connection, type RDatum } from 'rethinkdb-ts';
import { GENESIS_HASH, type ChainKey } from './hash-chain.js';
import { chainAll, HEAD, type Head, type LegacyHead, type Pending } from './rethinkdb-documents.js';
import { checkWrite, logQueries } from './rethinkdb-queries.js';

/** Creates the database, tables and indexes when missing; safe when several instances race. */
export const ensureSchema = async (conn: Connection, db: string) => {
  const ignoreExists = (error: unknown) => {
    if (!String(error).includes('already exists')) throw error;
  };
  if (!(await r.dbList().run(conn)).includes(db))
    await r.dbCreate(db).run(conn).catch(ignoreExists);
  const tables = await r.db(db).tableList().run(conn);
  for (const table of ['commits', 'events', 'meta']) {
    if (!tables.includes(table)) await r.db(db).tableCreate(table).run(conn).catch(ignoreExists);
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
