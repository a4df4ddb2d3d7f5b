import { EventEmitter } from 'node:events';
import { r, type Connection, type RDatum, type RStream } from 'rethinkdb-ts';
import { newId } from '@berth/ids';
import type { EventMetadata, NewEvent, RecordedEvent } from '@berth/contracts';
import { ConflictError, UnavailableError } from '@berth/errors';
import { follow, waitForWakeOrPoll, type Page } from './follow.js';
import { canonicalJson, eventHash, GENESIS_HASH, type ChainKey } from './hash-chain.js';
import type { AppendResult, EventFilter, EventLog, ExpectedVersion, VerifyResult } from './port.js';
import { ChainVerifier, VerifyReason } from './verify.js';

export type RethinkEventLogOptions = {
  host: string;
  port: number;
  db: string;
  /** The key the hash chain is made with (`chainKey(secretKey)`); never stored in the log. */
  key: ChainKey;
  /** How often an idle subscriber reads again when no change notification arrived. */
  pollIntervalMs?: number;
  /** A commit not sequenced after this long is taken to be orphaned and sequenced by anyone. */
  orphanAfterMs?: number;
};

/** `rethinkdb://host:port[/database]` → connection options. */
export const parseRethinkUrl = (
  url: string,
): Pick<RethinkEventLogOptions, 'host' | 'port' | 'db'> => {
  const parsed = new URL(url);
  if (parsed.protocol !== 'rethinkdb:') throw new Error(`not a rethinkdb:// URL: ${url}`);
  const db = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return { host: parsed.hostname, port: Number(parsed.port || 28015), db: db || 'berth' };
};

type StoredEvent = {
  id: string;
  type: string;
  v: number;
  at: string;
  data: unknown;
  metadata: EventMetadata;
};
type Commit = {
  id: string;
  stream: string;
  prevVersion: number;
  events: StoredEvent[];
  createdAt: number;
  position: number | null;
  hashes: string[] | null;
};
/** A claim: these commits, laid end to end, take the positions from `from` on. */
type Pending = { commits: string[]; from: number; prevHash: string };
// `hash` is the last event's hash, written when a claim completes; `pending` is the claim.
type Head = { id: 'head'; position: number; hash: string; pending: Pending | null };
type EventDoc = Omit<RecordedEvent, 'position' | 'id'> & { id: number; eventId: string };

const HEAD = 'head';
const MAJORITY = { readMode: 'majority' } as const;

// The commit that follows version N of a stream has exactly one possible key, so two writers
// that both saw version N collide on insert. The number after the last '#' is unambiguous.
const commitKey = (stream: string, prevVersion: number) => `${stream}#${prevVersion}`;

const toRecorded = (commit: Commit, position: number, hashes: string[]): RecordedEvent[] =>
  commit.events.map((event, i) => ({
    position: position + i,
    id: event.id,
    stream: commit.stream,
    version: commit.prevVersion + i + 1,
    type: event.type,
    v: event.v,
    at: event.at,
    data: event.data,
    metadata: event.metadata,
    hash: hashes[i] as string,
  }));

/** Positions and hashes for a commit that starts at `from` after `prevHash`. */
const chain = (key: ChainKey, commit: Commit, from: number, prevHash: string): RecordedEvent[] => {
  let previous = prevHash;
  return commit.events.map((event, i) => {
    const envelope = {
      position: from + i,
      id: event.id,
      stream: commit.stream,
      version: commit.prevVersion + i + 1,
      type: event.type,
      v: event.v,
      at: event.at,
      metadata: event.metadata,
    };
    previous = eventHash(key, previous, envelope, canonicalJson(event.data));
    return { ...envelope, data: event.data, hash: previous };
  });
};

/** Chains several commits end to end: each starts where the previous one ended. */
const chainAll = (
  key: ChainKey,
  ordered: Commit[],
  from: number,
  prevHash: string,
): RecordedEvent[][] => {
  let position = from;
  let previous = prevHash;
  return ordered.map((commit) => {
    const recorded = chain(key, commit, position, previous);
    position += recorded.length;
    previous = recorded[recorded.length - 1]?.hash ?? previous;
    return recorded;
  });
};

// A claim still pending after this long is finished by whoever sees it (its writer may be dead).
const HELP_AFTER_MS = 250;

// A claim covers at most this many commits, which keeps one insert well under ReQL's array limit.
const MAX_COMMITS_PER_CLAIM = 100;

const fromDoc = ({ id, eventId, ...rest }: EventDoc): RecordedEvent => ({
  ...rest,
  position: id,
  id: eventId,
});

/**
 * The production event log on RethinkDB. RethinkDB is atomic only per document, so:
 * 1. an append is ONE commit document keyed by (stream, previous version) — atomic for the
 *    batch, and the key collision is the optimistic-concurrency check;
 * 2. a single `head` document hands out gap-free global positions by compare-and-set and
 *    records the claim as `pending` until the commit's events are written, so anyone can
 *    finish a claim whose writer died, and readers never read past an unfinished claim;
 * 3. changefeeds are only a wake-up: readers always read by position range on the primary key.
 */
export const openRethinkEventLog = async (options: RethinkEventLogOptions): Promise<EventLog> => {
  const conn: Connection = await r.connect({
    host: options.host,
    port: options.port,
    db: options.db,
    silent: true,
  });
  await ensureSchema(conn, options.db);

  const pollMs = options.pollIntervalMs ?? 1000;
  const orphanAfterMs = options.orphanAfterMs ?? 5000;
  const appended = new EventEmitter().setMaxListeners(0);
  let closed = false;

  const commits = r.table<Commit>('commits');
  const eventsTable = r.table<EventDoc>('events');
  const meta = r.table<Head>('meta');

  const readHead = async () => (await meta.get(HEAD).run(conn, MAJORITY)) as Head;
  const frontierOf = (head: Head) =>
    head.pending === null ? head.position : head.pending.from - 1;
  const frontier = async () => frontierOf(await readHead());

  const streamCommits = (stream: string) =>
    commits.between([stream, r.minval], [stream, r.maxval], { index: 'stream_version' });

  const currentVersion = async (stream: string): Promise<number> => {
    const rows: Commit[] = await streamCommits(stream)
      .orderBy({ index: descending('stream_version') })
      .limit(1)
      .run(conn, MAJORITY);
    const last = rows[0];
    return last === undefined ? 0 : last.prevVersion + last.events.length;
  };

  const readCommits = async (ids: string[]): Promise<Commit[]> => {
    const docs: Commit[] = await commits.getAll(r.args(ids)).run(conn, MAJORITY);
    const byId = new Map(docs.map((doc) => [doc.id, doc]));
    return ids.map((id) => {
      const doc = byId.get(id);
      if (doc === undefined) throw new UnavailableError(`commit ${id} is missing`);
      return doc;
    });
  };

  /** Writes a claim's events; idempotent, so the claimer and any helper may race. */
  const complete = async (pending: Pending): Promise<RecordedEvent[][]> => {
    const ordered = await readCommits(pending.commits);
    const recorded = chainAll(options.key, ordered, pending.from, pending.prevHash);
    const docs: EventDoc[] = recorded.flat().map(({ position, id, ...rest }) => ({
      ...rest,
      id: position,
      eventId: id,
    }));
    await checkWrite(eventsTable.insert(docs, { conflict: 'replace' }).run(conn));
    const placed = Object.fromEntries(
      ordered.map((commit, i) => {
        const events = recorded[i] ?? [];
        return [
          commit.id,
          { position: events[0]?.position ?? null, hashes: events.map((e) => e.hash) },
        ];
      }),
    );
    await checkWrite(
      commits
        .getAll(r.args(pending.commits))
        .update((c: RDatum<Commit>) => r.expr(placed)(c('id')))
        .run(conn),
    );
    const lastHash = docs[docs.length - 1]?.hash ?? pending.prevHash;
    await checkWrite(
      meta
        .get(HEAD)
        .update((head: RDatum<Head | null>) =>
          r.branch(
            head('pending').eq(null),
            {},
            r.branch(
              head('pending')('from').eq(pending.from),
              { pending: null, hash: lastHash },
              {},
            ),
          ),
        )
        .run(conn),
    );
    appended.emit('appended');
    return recorded;
  };

  /** Gives stored commits their positions (once, whoever gets there first) and returns them. */
  const sequenceBatch = async (ids: string[]): Promise<Map<string, RecordedEvent[]>> => {
    const results = new Map<string, RecordedEvent[]>();
    let seen: { from: number; since: number } | undefined;
    for (;;) {
      const head = await readHead();
      if (head.pending !== null) {
        // Another writer's claim: give it time to finish before doing its work a second time.
        const { from } = head.pending;
        if (seen?.from !== from) seen = { from, since: Date.now() };
        if (Date.now() - seen.since < HELP_AFTER_MS)
          await new Promise((resolve) => setTimeout(resolve, 2));
        else await complete(head.pending);
        continue;
      }
      // Read after the head: a claim finished before that read is visible on the commits now.
      const todo: Commit[] = [];
      for (const commit of await readCommits(ids.filter((id) => !results.has(id)))) {
        if (commit.position !== null && commit.hashes !== null) {
          results.set(commit.id, toRecorded(commit, commit.position, commit.hashes));
        } else todo.push(commit);
      }
      if (todo.length === 0) return results;
      const pending: Pending = {
        commits: todo.map((c) => c.id),
        from: head.position + 1,
        prevHash: head.hash,
      };
      const count = todo.reduce((sum, c) => sum + c.events.length, 0);
      const claim = await meta
        .get(HEAD)
        .update((row: RDatum<Head | null>) =>
          r.branch(
            row('position').eq(head.position).and(row('pending').eq(null)),
            { position: head.position + count, pending },
            {},
          ),
        )
        .run(conn);
      if (claim.replaced === 1) {
        const recorded = await complete(pending);
        todo.forEach((commit, i) => results.set(commit.id, recorded[i] ?? []));
        return results;
      }
    }
  };

  // Group sequencing: commits waiting in this instance are claimed together, so concurrent
  // appends share the round trips to `head` instead of racing each other for it.
  const waiting = new Map<
    string,
    { resolve: (e: RecordedEvent[]) => void; reject: (e: unknown) => void }[]
  >();
  let draining = false;
  const drain = async () => {
    draining = true;
    while (waiting.size > 0) {
      const batch = [...waiting.entries()].slice(0, MAX_COMMITS_PER_CLAIM);
      for (const [id] of batch) waiting.delete(id);
      try {
        const results = await sequenceBatch(batch.map(([id]) => id));
        for (const [id, callers] of batch)
          for (const c of callers) c.resolve(results.get(id) ?? []);
      } catch (error) {
        for (const [, callers] of batch) for (const c of callers) c.reject(error);
      }
    }
    draining = false;
  };
  const sequence = (commitId: string) =>
    new Promise<RecordedEvent[]>((resolve, reject) => {
      waiting.set(commitId, [...(waiting.get(commitId) ?? []), { resolve, reject }]);
      if (!draining) void drain();
    });

  const sequenceOrphans = async () => {
    const orphans = await commits
      .getAll(true, { index: 'unsequenced' })
      .filter((c: RDatum<Commit>) => c('createdAt').lt(Date.now() - orphanAfterMs))
      .orderBy('createdAt')
      .run(conn, MAJORITY);
    for (const orphan of orphans) await sequence(orphan.id);
  };
  const sweeper = setInterval(() => {
    sequenceOrphans().catch(() => undefined); // retried on the next tick
  }, orphanAfterMs);
  sweeper.unref();

  const wakeFeed = startWakeFeed(conn, appended, () => closed);

  const readPage = async (
    from: number,
    limit: number,
    filter: EventFilter | undefined,
  ): Promise<Page> => {
    const upTo = await frontier();
    if (from > upTo) return { events: [], scannedTo: Math.max(upTo, from - 1) };
    const query = filtered(eventsTable.between(from, upTo + 1).orderBy({ index: 'id' }), filter);
    const docs = await (Number.isFinite(limit) ? query.limit(limit) : query).run(conn, MAJORITY);
    const last = docs[docs.length - 1];
    return {
      events: docs.map(fromDoc),
      scannedTo: docs.length === limit && last !== undefined ? last.id : upTo,
    };
  };

  const append = async (
    stream: string,
    expected: ExpectedVersion,
    events: NewEvent[],
  ): Promise<AppendResult> => {
    const stored: StoredEvent[] = events.map((e) => ({
      id: e.id ?? newId(),
      type: e.type,
      v: e.v ?? 1,
      at: e.at ?? new Date().toISOString(),
      data: JSON.parse(canonicalJson(e.data)) as unknown,
      metadata: e.metadata,
    }));
    for (;;) {
      const current = await currentVersion(stream);
      if (expected !== 'any' && expected !== current) {
        throw new ConflictError(`stream ${stream} is at version ${current}, expected ${expected}`);
      }
      if (stored.length === 0) return { version: current, positions: [] };
      const commit: Commit = {
        id: commitKey(stream, current),
        stream,
        prevVersion: current,
        events: stored,
        createdAt: Date.now(),
        position: null,
        hashes: null,
      };
      const result = await commits.insert(commit).run(conn);
      if (result.inserted === 1) {
        const recorded = await sequence(commit.id);
        return { version: current + stored.length, positions: recorded.map((e) => e.position) };
      }
      if (!String(result.first_error).includes('Duplicate primary key')) {
        throw new UnavailableError('event log write failed', { cause: result.first_error });
      }
      if (expected !== 'any') {
        throw new ConflictError(`stream ${stream} moved past version ${current} during the append`);
      }
    }
  };

  return {
    append,
    async readStream(stream, fromVersion = 1) {
      const all = await streamCommits(stream)
        .orderBy({ index: 'stream_version' })
        .run(conn, MAJORITY);
      const out: RecordedEvent[] = [];
      for (const commit of all) {
        const recorded =
          commit.position !== null && commit.hashes !== null
            ? toRecorded(commit, commit.position, commit.hashes)
            : await sequence(commit.id);
        for (const event of recorded) if (event.version >= fromVersion) out.push(event);
      }
      return out;
    },
    async readAll(fromPosition = 1, readOptions = {}) {
      const page = await readPage(fromPosition, readOptions.limit ?? Infinity, readOptions.filter);
      return page.events;
    },
    async readBackward(beforePosition = Infinity, readOptions = {}) {
      const upTo = Math.min(beforePosition - 1, await frontier());
      if (upTo < 1) return [];
      const query = filtered(
        eventsTable.between(1, upTo + 1).orderBy({ index: descending('id') }),
        readOptions.filter,
      );
      const limit = readOptions.limit ?? Infinity;
      const docs: EventDoc[] = await (Number.isFinite(limit) ? query.limit(limit) : query).run(
        conn,
        MAJORITY,
      );
      return docs.map(fromDoc);
    },
    async readCommand(commandId) {
      const docs = await eventsTable
        .getAll(commandId, { index: 'commandId' })
        .orderBy('id')
        .run(conn, MAJORITY);
      return docs.map(fromDoc);
    },
    head: frontier,
    subscribe: (fromPosition = 1, subscribeOptions = {}) =>
      follow(
        {
          readPage,
          waitForAppend: (position, signal) =>
            waitForWakeOrPoll({
              listen: (wake) => {
                appended.on('appended', wake);
                return () => appended.off('appended', wake);
              },
              moved: async () => (await frontier()) > position,
              pollMs,
              signal,
            }),
        },
        fromPosition,
        subscribeOptions,
      ),
    async verify(anchor): Promise<VerifyResult> {
      const head = await readHead();
      const upTo = frontierOf(head);
      const verifier = new ChainVerifier(options.key, anchor);
      let last: EventDoc | undefined;
      const pageSize = 10_000;
      for (let from = 1; from <= upTo; from += pageSize) {
        const docs = await eventsTable
          .between(from, Math.min(from + pageSize, upTo + 1))
          .orderBy({ index: 'id' })
          .run(conn, MAJORITY);
        for (const doc of docs) {
          const event = fromDoc(doc);
          const failure = verifier.next(event, canonicalJson(event.data));
          if (failure !== undefined) return verifier.fail(failure);
          last = doc;
        }
      }
      const result = verifier.finish();
      if (result.ok && result.checked < upTo)
        return verifier.fail({ position: result.checked + 1, reason: VerifyReason.missing });
      if (result.ok && head.pending === null && head.hash !== (last?.hash ?? GENESIS_HASH)) {
        return verifier.fail({ position: upTo, reason: 'head hash does not match the last event' });
      }
      return result;
    },
    async close() {
      closed = true;
      clearInterval(sweeper);
      await wakeFeed.stop();
      await conn.close();
    },
  };
};

const checkWrite = async (write: Promise<{ errors: number; first_error?: string }>) => {
  const result = await write;
  if (result.errors > 0)
    throw new UnavailableError('event log write failed', { cause: result.first_error });
};

/** Creates the database, tables and indexes when missing; safe when several instances race. */
const ensureSchema = async (conn: Connection, db: string) => {
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
      { id: HEAD, position: 0, hash: GENESIS_HASH, pending: null },
      { conflict: (_id, old, _new) => old },
    )
    .run(conn);
};

/** A changefeed on the head document, used only to wake readers; reopened after errors. */
const startWakeFeed = (conn: Connection, appended: EventEmitter, isClosed: () => boolean) => {
  let cursor: { close(): Promise<void> } | undefined;
  const run = async () => {
    while (!isClosed()) {
      try {
        const feed = await r.table('meta').get(HEAD).changes().run(conn);
        cursor = feed;
        if (isClosed()) break; // closed while the feed was opening
        for await (const _change of feed as AsyncIterable<unknown>) appended.emit('appended');
      } catch {
        // The poll interval covers the gap until the feed is back.
      }
      if (!isClosed()) await new Promise((resolve) => setTimeout(resolve, 1000).unref());
    }
  };
  const done = run();
  return {
    async stop() {
      await cursor?.close().catch(() => undefined);
      await done.catch(() => undefined);
    },
  };
};

/** Applies an event filter to a query over the events table. */
const filtered = <Q extends RStream<EventDoc>>(query: Q, filter: EventFilter | undefined): Q => {
  let result = query;
  if (filter?.types !== undefined) {
    const types = [...filter.types];
    result = result.filter((e: RDatum<EventDoc>) => r.expr(types).contains(e('type')));
  }
  if (filter?.streamPrefix !== undefined) {
    const pattern = `^${escapeRegExp(filter.streamPrefix)}`;
    result = result.filter((e: RDatum<EventDoc>) => e('stream').match(pattern).ne(null));
  }
  return result;
};

// The driver types r.desc as `any`; this is the one place that says what it is.
const descending = (index: string) => r.desc(index) as unknown as string;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
