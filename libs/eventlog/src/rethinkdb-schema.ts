import { r, type Connection, type RDatum } from 'rethinkdb-ts';
import { GENESIS_HASH } from './hash-chain.js';
import { HEAD } from './rethinkdb-documents.js';

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
