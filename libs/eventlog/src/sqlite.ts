import { EventEmitter } from 'node:events';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { newId } from '@berth/ids';
import type { NewEvent, RecordedEvent } from '@berth/contracts';
import { ConflictError } from '@berth/errors';
import { follow, waitForWakeOrPoll, type Page } from './follow.js';
import { canonicalJson, eventHash, GENESIS_HASH, type ChainKey } from './hash-chain.js';
import type { AppendResult, EventFilter, EventLog, ExpectedVersion } from './port.js';
import { ChainVerifier } from './verify.js';

export type SqliteEventLogOptions = {
  /** Database file; created with its directory when missing. */
  file: string;
  /** The key the hash chain is made with (`chainKey(secretKey)`); never stored in the log. */
  key: ChainKey;
  /** How often an idle subscriber looks for events appended by another process. */
  pollIntervalMs?: number;
};

/** Events hashed and written in one transaction at most (appends are never split). */
const COMMIT_EVENTS = 500;

// Rows are read in raw (array) mode: much faster than objects for a million events.
const COLUMNS =
  'position, id, stream, version, type, v, at, data, actor, command_id, correlation_id, causation_id, hash';
type Row = [
  position: number,
  id: string,
  stream: string,
  version: number,
  type: string,
  v: number,
  at: string,
  data: string,
  actor: string,
  commandId: string,
  correlationId: string,
  causationId: string,
  hash: string,
];

// Updates and deletes are refused by triggers: the log is append-only even for raw SQL.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  stream TEXT NOT NULL,
  version INTEGER NOT NULL,
  type TEXT NOT NULL,
  v INTEGER NOT NULL,
  at TEXT NOT NULL,
  data TEXT NOT NULL,
  actor TEXT NOT NULL,
  command_id TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  causation_id TEXT NOT NULL,
  hash TEXT NOT NULL,
  UNIQUE (stream, version)
);
CREATE INDEX IF NOT EXISTS events_by_command ON events (command_id);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
`;

const toEvent = (row: Row): RecordedEvent => ({
  position: row[0],
  id: row[1],
  stream: row[2],
  version: row[3],
  type: row[4],
  v: row[5],
  at: row[6],
  data: JSON.parse(row[7]) as unknown,
  metadata: { actor: row[8], commandId: row[9], correlationId: row[10], causationId: row[11] },
  hash: row[12],
});

/** Builds `AND …` clauses for a filter; parameters are bound, never interpolated. */
const filterSql = (filter: EventFilter | undefined): { sql: string; params: unknown[] } => {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter?.types !== undefined) {
    clauses.push(`type IN (${filter.types.map(() => '?').join(',') || 'NULL'})`);
    params.push(...filter.types);
  }
  if (filter?.streamPrefix !== undefined) {
    clauses.push('substr(stream, 1, ?) = ?');
    params.push(filter.streamPrefix.length, filter.streamPrefix);
  }
  return { sql: clauses.map((c) => ` AND ${c}`).join(''), params };
};

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs the set-up of a file that other processes may be opening at the same moment. Most waits
 * are the busy timeout's, but SQLite refuses the switch to WAL at once with SQLITE_BUSY while
 * another process is writing the file (as one that switches it a moment earlier is), so that
 * step is tried again, for at most `forMs`.
 */
const retryWhileBusy = (setUp: () => void, forMs = 10_000) => {
  const until = Date.now() + forMs;
  for (let waitMs = 5; ; waitMs = Math.min(waitMs * 2, 250)) {
    try {
      setUp();
      return;
    } catch (error) {
      const busy = (error as { code?: unknown }).code === 'SQLITE_BUSY';
      if (!busy || Date.now() + waitMs > until) throw error;
      // Opening is synchronous already: the wait holds up start-up, no request.
      Atomics.wait(pause, 0, 0, waitMs);
    }
  }
};

/** The embedded event log: one SQLite file in WAL mode, every commit synced to disk. */
export const openSqliteEventLog = (options: SqliteEventLogOptions): EventLog => {
  mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
  // Made owner-only before SQLite opens it; its -wal and -shm files take the same mode.
  closeSync(openSync(options.file, 'a', 0o600));
  const db = new Database(options.file, { timeout: 5000 });
  retryWhileBusy(() => {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
  });

  const pollMs = options.pollIntervalMs ?? 250;
  const appended = new EventEmitter().setMaxListeners(0);

  const selectVersion = db.prepare<[string], { version: number | null }>(
    'SELECT MAX(version) AS version FROM events WHERE stream = ?',
  );
  const selectLast = db.prepare<[], { position: number; hash: string }>(
    'SELECT position, hash FROM events ORDER BY position DESC LIMIT 1',
  );
  const selectHead = db.prepare<[], { head: number | null }>(
    'SELECT MAX(position) AS head FROM events',
  );
  const insert = db.prepare(
    `INSERT INTO events (position, id, stream, version, type, v, at, data, actor, command_id,
       correlation_id, causation_id, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectStream = db
    .prepare<[string, number], Row>(
      `SELECT ${COLUMNS} FROM events WHERE stream = ? AND version >= ? ORDER BY version`,
    )
    .raw(true);
  const selectCommand = db
    .prepare<[string], Row>(`SELECT ${COLUMNS} FROM events WHERE command_id = ? ORDER BY position`)
    .raw(true);
  const readStatements = new Map<string, Database.Statement<unknown[], Row>>();
  /** `position >= ? AND position <= ?` plus the filter, ascending or descending. */
  const rangeStatement = (filter: EventFilter | undefined, order: 'ASC' | 'DESC' = 'ASC') => {
    const { sql, params } = filterSql(filter);
    const key = `${order}${sql}`;
    let statement = readStatements.get(key);
    if (statement === undefined) {
      statement = db
        .prepare<unknown[], Row>(
          `SELECT ${COLUMNS} FROM events WHERE position >= ? AND position <= ?${sql} ORDER BY position ${order} LIMIT ?`,
        )
        .raw(true);
      readStatements.set(key, statement);
    }
    return { statement, params };
  };

  const headNow = () => selectHead.get()?.head ?? 0;

  const appendInTransaction = db.transaction(
    (stream: string, expected: ExpectedVersion, events: NewEvent[]): AppendResult => {
      const current = selectVersion.get(stream)?.version ?? 0;
      if (expected !== 'any' && expected !== current) {
        throw new ConflictError(`stream ${stream} is at version ${current}, expected ${expected}`);
      }
      const last = selectLast.get();
      let position = last?.position ?? 0;
      let previousHash = last?.hash ?? GENESIS_HASH;
      let version = current;
      const recorded: RecordedEvent[] = [];
      for (const event of events) {
        position += 1;
        version += 1;
        const data = canonicalJson(event.data);
        const envelope = {
          position,
          id: event.id ?? newId(),
          stream,
          version,
          type: event.type,
          v: event.v ?? 1,
          at: event.at ?? new Date().toISOString(),
          metadata: event.metadata,
        };
        const hash = eventHash(options.key, previousHash, envelope, data);
        const m = envelope.metadata;
        insert.run(
          position,
          envelope.id,
          stream,
          version,
          envelope.type,
          envelope.v,
          envelope.at,
          data,
          m.actor,
          m.commandId,
          m.correlationId,
          m.causationId,
          hash,
        );
        previousHash = hash;
        recorded.push({ ...envelope, data: JSON.parse(data) as unknown, hash });
      }
      return { version, positions: recorded.map((e) => e.position), events: recorded };
    },
  );

  // Group commit: appends queued in the same turn of the event loop share one transaction and
  // so one fsync; each runs in its own savepoint, so a conflict fails only that append.
  type Queued = {
    stream: string;
    expectedVersion: ExpectedVersion;
    events: NewEvent[];
    resolve: (result: AppendResult) => void;
    reject: (error: Error) => void;
  };
  const queued: Queued[] = [];
  const commitQueued = () => {
    // At most COMMIT_EVENTS events a transaction; the rest in the next task, so that one
    // commit (hashing each event) never holds the event loop for long.
    let events = 0;
    const size = queued.findIndex((item) => (events += item.events.length) > COMMIT_EVENTS);
    const batch = queued.splice(0, Math.max(1, size === -1 ? queued.length : size));
    if (queued.length > 0) setImmediate(commitQueued);
    const outcomes: (AppendResult | Error)[] = [];
    try {
      db.transaction(() => {
        for (const item of batch) {
          try {
            outcomes.push(appendInTransaction(item.stream, item.expectedVersion, item.events));
          } catch (error) {
            outcomes.push(error instanceof Error ? error : new Error(String(error)));
          }
        }
      }).immediate();
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const item of batch) item.reject(failure);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i] as AppendResult | Error;
      if (outcome instanceof Error) item.reject(outcome);
      else item.resolve(outcome);
    });
    appended.emit('appended');
  };

  const readPageNow = (from: number, limit: number, filter: EventFilter | undefined): Page => {
    const frontier = headNow();
    const { statement, params } = rangeStatement(filter);
    const rows = statement.all(from, frontier, ...params, limit);
    const last = rows[rows.length - 1];
    const scannedTo =
      rows.length === limit && last !== undefined ? last[0] : Math.max(frontier, from - 1);
    return { events: rows.map(toEvent), scannedTo };
  };

  return {
    append: (stream, expectedVersion, events) =>
      new Promise((resolve, reject) => {
        queued.push({ stream, expectedVersion, events, resolve, reject });
        if (queued.length === 1) setImmediate(commitQueued);
      }),
    readStream: (stream, fromVersion = 1) =>
      Promise.resolve(selectStream.all(stream, fromVersion).map(toEvent)),
    readAll: (fromPosition = 1, options = {}) =>
      Promise.resolve(readPageNow(fromPosition, options.limit ?? -1, options.filter).events),
    readBackward: (beforePosition = Number.MAX_SAFE_INTEGER, options = {}) => {
      const { statement, params } = rangeStatement(options.filter, 'DESC');
      const upTo = Math.min(beforePosition - 1, headNow());
      return Promise.resolve(statement.all(1, upTo, ...params, options.limit ?? -1).map(toEvent));
    },
    readCommand: (commandId) => Promise.resolve(selectCommand.all(commandId).map(toEvent)),
    head: () => Promise.resolve(headNow()),
    subscribe: (fromPosition = 1, subscribeOptions = {}) =>
      follow(
        {
          readPage: (from, limit, filter) => Promise.resolve(readPageNow(from, limit, filter)),
          waitForAppend: (position, signal) =>
            waitForWakeOrPoll({
              listen: (wake) => {
                appended.on('appended', wake);
                return () => appended.off('appended', wake);
              },
              moved: () => headNow() > position,
              pollMs,
              signal,
            }),
          closed: () => !db.open,
        },
        fromPosition,
        subscribeOptions,
      ),
    verify: (anchor) => {
      const verifier = new ChainVerifier(options.key, anchor);
      const rows = db
        .prepare<[], Row>(`SELECT ${COLUMNS} FROM events ORDER BY position`)
        .raw(true)
        .iterate();
      for (const row of rows) {
        const failure = verifier.next(toEvent(row), row[7]);
        if (failure !== undefined) {
          (rows as { return?: () => unknown }).return?.();
          return Promise.resolve(verifier.fail(failure));
        }
      }
      return Promise.resolve(verifier.finish());
    },
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
};
