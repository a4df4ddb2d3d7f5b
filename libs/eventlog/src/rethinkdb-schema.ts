import { r, type Connection, type RDatum } from 'rethinkdb-ts';
import { COMMAND_INDEX, LOG_TABLE, STREAM_INDEX } from './rethinkdb-queries.js';

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
  const log = r.db(db).table(LOG_TABLE);
  if (!(await r.db(db).tableList().run(conn)).includes(LOG_TABLE))
    await r.db(db).tableCreate(LOG_TABLE).run(conn).catch(ignoreExists);
  // A table just made (here or by a racing instance) refuses writes until its shard is ready.
  await log.wait({ waitFor: 'ready_for_writes' }).run(conn);
  // Untyped datums: inferring the driver's nested generics here costs the linter gigabytes.
  const indexes: [string, (entry: RDatum) => RDatum][] = [
    [STREAM_INDEX, (e) => e('commits').map((c: RDatum) => r.expr([c('stream'), c('prevVersion')]))],
    [
      COMMAND_INDEX,
      (e) =>
        e('commits')
          .concatMap((c: RDatum) => c('events').map((ev: RDatum) => ev('metadata')('commandId')))
          .distinct(),
    ],
  ];
  const existing = await log.indexList().run(conn);
  for (const [name, fn] of indexes) {
    if (!existing.includes(name))
      await log.indexCreate(name, fn, { multi: true }).run(conn).catch(ignoreExists);
  }
  await log.indexWait().run(conn);
};
