import { EventEmitter } from 'node:events';
import { r, type Connection, type RDatum, type RStream } from 'rethinkdb-ts';
import { newId } from '@berth/ids';
import type { NewEvent, RecordedEvent } from '@berth/contracts';
import { ConflictError, UnavailableError } from '@berth/errors';
import { keyedBatcher } from './batcher.js';
import { follow, waitForWakeOrPoll, type Page } from './follow.js';
import { SharedPages } from './shared-pages.js';
import { canonicalJson, GENESIS_HASH, type ChainKey } from './hash-chain.js';
import type { AppendResult, EventFilter, EventLog, ExpectedVersion, VerifyResult } from './port.js';
import { ChainVerifier, VerifyReason } from './verify.js';
import {
  chainAll,
  commitKey,
  fromDoc,
  HEAD,
  toRecorded,
  type Commit,
  type EventDoc,
  type Head,
  type Pending,
  type StoredEvent,
} from './rethinkdb-documents.js';
import { ensureSchema } from './rethinkdb-schema.js';

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

const MAJORITY = { readMode: 'majority' } as const;

// A claim still pending after this long is finished by whoever sees it (its writer may be dead).
const HELP_AFTER_MS = 250;

// How long a written claim waits for this instance's next claim to take it over.
const RELEASE_AFTER_MS = 10;

// Streams whose last seen version is kept (see seenVersions): about 100 bytes each.
const SEEN_VERSIONS_MAX = 50_000;

// A claim covers at most this many commits, which keeps one insert well under ReQL's array limit.
const MAX_COMMITS_PER_CLAIM = 100;

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

  // What this instance's last claim left the head at (`from`: where that claim starts), so its
  // next claim needs no read of the head while nobody else appended; and the writing of that
  // claim, which readers here wait for and the next claim must not overtake.
  let known: { position: number; hash: string; from: number } | undefined;
  let writing: Promise<void> = Promise.resolve();

  const readHead = async () => (await meta.get(HEAD).run(conn, MAJORITY)) as Head;
  /**
   * The last position readers may read: the head's, unless a claim is pending whose events are
   * not all written yet. A claimer releases the head after answering its callers, so a claim
   * whose events are all there is already done.
   */
  const readFrontier = async (): Promise<number> =>
    (await r
      .do(meta.get(HEAD), (head: RDatum<Head | null>) =>
        r.branch(
          head('pending').eq(null),
          head('position'),
          eventsTable
            .between(head('pending')('from'), head('position').add(1))
            .count()
            .eq(head('position').sub(head('pending')('from')).add(1)),
          head('position'),
          head('pending')('from').sub(1),
        ),
      )
      .run(conn, MAJORITY)) as number;
  // Readers here asking at once share one read (every follower asks after every append),
  // unless it began before this instance last finished writing: its readers see their writes.
  let writesDone = 0;
  let shared: { after: number; frontier: Promise<number> } | undefined;
  const frontier = async (): Promise<number> => {
    await writing; // what this instance answered, its readers see
    if (shared?.after === writesDone) return shared.frontier;
    const read = readFrontier();
    const mine = { after: writesDone, frontier: read };
    shared = mine;
    const forget = () => void (shared === mine && (shared = undefined));
    read.then(forget, forget);
    return read;
  };

  const streamCommits = (stream: string) =>
    commits.between([stream, r.minval], [stream, r.maxval], { index: 'stream_version' });

  /**
   * The commits holding versions from `fromVersion` on, in order: the last one that starts
   * before it and all that start at or after it, so a decider catching up on a busy stream
   * reads its newest commits only. Those after are read first: any of them exists only once
   * the one before it does. A range read is no snapshot, so the list ends at its first gap.
   */
  const commitsFrom = async (stream: string, fromVersion: number): Promise<Commit[]> => {
    const after: Commit[] = await commits
      .between([stream, fromVersion], [stream, r.maxval], { index: 'stream_version' })
      .orderBy({ index: 'stream_version' })
      .run(conn, MAJORITY);
    const holding: Commit[] = await commits
      .between([stream, r.minval], [stream, fromVersion], { index: 'stream_version' })
      .orderBy({ index: descending('stream_version') })
      .limit(1)
      .run(conn, MAJORITY);
    const contiguous: Commit[] = [];
    for (const commit of [...holding, ...after]) {
      const previous = contiguous.at(-1);
      if (
        previous !== undefined &&
        commit.prevVersion !== previous.prevVersion + previous.events.length
      )
        break;
      contiguous.push(commit);
    }
    return contiguous;
  };

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

  /**
   * Writes a claim's events and gives its commits their positions, both at once; idempotent, so
   * the claimer and any helper may race. The head still names the claim until `release`.
   */
  const writeClaim = async (pending: Pending, ordered: Commit[], recorded: RecordedEvent[][]) => {
    const docs: EventDoc[] = recorded.flat().map(({ position, id, ...rest }) => ({
      ...rest,
      id: position,
      eventId: id,
    }));
    const placed = Object.fromEntries(
      ordered.map((commit, i) => {
        const events = recorded[i] ?? [];
        return [
          commit.id,
          { position: events[0]?.position ?? null, hashes: events.map((e) => e.hash) },
        ];
      }),
    );
    await Promise.all([
      checkWrite(eventsTable.insert(docs, { conflict: 'replace' }).run(conn)),
      checkWrite(
        commits
          .getAll(r.args(pending.commits))
          .update((c: RDatum<Commit>) => r.expr(placed)(c('id')))
          .run(conn),
      ),
    ]);
  };

  /** Clears a written claim from the head (unless someone already did), with its last hash. */
  const release = async (pending: Pending, lastHash: string) => {
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
  };

  const lastHashOf = (recorded: RecordedEvent[][], pending: Pending) =>
    recorded.flat().at(-1)?.hash ?? pending.prevHash;

  /** The last hash of a claim whose events and commit positions are all written, or undefined. */
  const writtenClaimHash = async (pending: Pending, upTo: number) => {
    const [events, unplaced, hash] = (await r
      .expr([
        eventsTable.between(pending.from, upTo + 1).count(),
        commits
          .getAll(r.args(pending.commits))
          .filter((c: RDatum<Commit>) => c('position').eq(null))
          .count(),
        eventsTable.get(upTo)('hash').default(null),
      ])
      .run(conn, MAJORITY)) as unknown as [number, number, string | null];
    return events === upTo - pending.from + 1 && unplaced === 0 && hash !== null ? hash : undefined;
  };

  /** Finishes a claim, whoever made it: its events, its commits' positions, then the head. */
  const complete = async (pending: Pending): Promise<RecordedEvent[][]> => {
    const ordered = await readCommits(pending.commits);
    const recorded = chainAll(options.key, ordered, pending.from, pending.prevHash);
    await writeClaim(pending, ordered, recorded);
    sharedPages.keep(recorded.flat());
    await release(pending, lastHashOf(recorded, pending));
    writesDone++;
    return recorded;
  };

  /**
   * Claims positions for commits in hand on what this instance knows of the head: one
   * compare-and-set, which also takes over this instance's own written but unreleased claim.
   * The claim is the append made durable — its commits and the head say all the events are
   * made of, and anyone finishes a claim left unfinished — so callers are answered at once and
   * the claim is written behind them. Undefined when someone else moved the head meanwhile.
   */
  const claimOnKnownHead = async (todo: Commit[]): Promise<RecordedEvent[][] | undefined> => {
    await writing;
    if (known === undefined) return undefined;
    const { position, hash, from } = known;
    const count = todo.reduce((sum, c) => sum + c.events.length, 0);
    const pending: Pending = { commits: todo.map((c) => c.id), from: position + 1, prevHash: hash };
    const claim = await meta
      .get(HEAD)
      .update((head: RDatum<Head | null>) =>
        r.branch(
          head('position')
            .eq(position)
            .and(r.branch(head('pending').eq(null), true, head('pending')('from').eq(from))),
          { position: position + count, pending, hash },
          {},
        ),
      )
      .run(conn);
    if (claim.replaced !== 1) {
      known = undefined;
      return undefined;
    }
    const recorded = chainAll(options.key, todo, pending.from, pending.prevHash);
    const lastHash = lastHashOf(recorded, pending);
    known = { position: position + count, hash: lastHash, from: pending.from };
    writing = writeClaim(pending, todo, recorded).then(
      () => (writesDone++, sharedPages.keep(recorded.flat()), releaseSoon(pending, lastHash)),
      // Left to a helper (see sequenceBatch), as if this writer had died.
      () => void (known = undefined),
    );
    return recorded;
  };

  // A written claim is released a moment later unless this instance's next claim took it over
  // first, which saves the head a write per append under steady load. Others reading or
  // appending meanwhile find it written and go on (see frontier, sequenceBatch).
  let unreleased: { pending: Pending; lastHash: string; timer: NodeJS.Timeout } | undefined;
  const releaseNow = async () => {
    const due = unreleased;
    unreleased = undefined;
    clearTimeout(due?.timer);
    if (due !== undefined && known?.from === due.pending.from)
      await release(due.pending, due.lastHash).catch(() => undefined);
  };
  const releaseSoon = (pending: Pending, lastHash: string) => {
    clearTimeout(unreleased?.timer);
    const timer = setTimeout(() => void releaseNow(), RELEASE_AFTER_MS);
    timer.unref();
    unreleased = { pending, lastHash, timer };
  };

  /** Gives stored commits their positions (once, whoever gets there first) and returns them. */
  const sequenceBatch = async (ids: string[]): Promise<Map<string, RecordedEvent[]>> => {
    const results = new Map<string, RecordedEvent[]>();
    let seen: { from: number; since: number } | undefined;
    for (;;) {
      const head = await readHead();
      if (head.pending !== null) {
        const writtenHash = await writtenClaimHash(head.pending, head.position);
        // Written and only not released yet (its writer answers first): release it now.
        if (writtenHash !== undefined) {
          await release(head.pending, writtenHash);
          continue;
        }
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
        // Released already: `from` 0 matches no claim, so the next one needs a free head.
        known = { position: head.position + count, hash: lastHashOf(recorded, pending), from: 0 };
        todo.forEach((commit, i) => results.set(commit.id, recorded[i] ?? []));
        return results;
      }
    }
  };

  // Group sequencing: commits waiting in this instance are claimed together, so concurrent
  // appends share the round trips to `head` instead of racing each other for it.
  // A commit this instance just stored is in hand (`commit`); one found unsequenced is read again.
  const sequence = keyedBatcher(
    (request: { id: string; commit?: Commit }) => request.id,
    MAX_COMMITS_PER_CLAIM,
    async (batch) => {
      const inHand = batch.map((request) => request.commit);
      if (inHand.every((c): c is Commit => c !== undefined)) {
        const recorded = await claimOnKnownHead(inHand);
        if (recorded !== undefined) return inHand.map((_, i) => recorded[i] ?? []);
      }
      const results = await sequenceBatch(batch.map(({ id }) => id));
      return batch.map(({ id }) => results.get(id) ?? []);
    },
  );

  const sequenceOrphans = async () => {
    const orphans = await commits
      .getAll(true, { index: 'unsequenced' })
      .filter((c: RDatum<Commit>) => c('createdAt').lt(Date.now() - orphanAfterMs))
      .orderBy('createdAt')
      .run(conn, MAJORITY);
    for (const orphan of orphans) await sequence({ id: orphan.id });
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
    shared?: SharedPages,
  ): Promise<Page> => {
    const upTo = await frontier();
    if (from > upTo) return { events: [], scannedTo: Math.max(upTo, from - 1) };
    const page = await shared?.page(from, upTo, limit, filter);
    if (page !== undefined) return page;
    const query = filtered(eventsTable.between(from, upTo + 1).orderBy({ index: 'id' }), filter);
    const docs = await (Number.isFinite(limit) ? query.limit(limit) : query).run(conn, MAJORITY);
    const last = docs[docs.length - 1];
    return {
      events: docs.map(fromDoc),
      scannedTo: docs.length === limit && last !== undefined ? last.id : upTo,
    };
  };

  const sharedPages = new SharedPages(async (from, to) =>
    (
      await eventsTable
        .between(from, to + 1)
        .orderBy({ index: 'id' })
        .run(conn, MAJORITY)
    ).map(fromDoc),
  );

  // Commit inserts waiting in this instance go to the server together: one insert of many
  // documents costs it about what one does. Answers each commit's insert error, if any.
  const insertCommit = keyedBatcher(
    (commit: Commit) => commit.id,
    MAX_COMMITS_PER_CLAIM,
    async (batch) => {
      const result = await commits.insert(batch, { returnChanges: 'always' }).run(conn);
      const errors = new Map(
        (result.changes ?? [])
          .filter((c) => c.error !== undefined)
          .map((c) => [(c.new_val ?? c.old_val)?.id, c.error]),
      );
      return batch.map((commit) => errors.get(commit.id));
    },
  );

  // The version this instance last saw each stream at (its appends, its reads). A stream never
  // goes back, and the commit after version N is keyed on N, so an append that expects exactly
  // what was seen needs no read first: if the stream moved on, its insert collides.
  const seenVersions = new Map<string, number>();
  const saw = (stream: string, version: number) => {
    seenVersions.delete(stream); // the newest last: the oldest go first when full
    seenVersions.set(stream, version);
    if (seenVersions.size > SEEN_VERSIONS_MAX)
      seenVersions.delete(seenVersions.keys().next().value as string);
  };
  const versionToAppendAfter = async (stream: string, expected: ExpectedVersion) => {
    const seen = seenVersions.get(stream);
    if (seen !== undefined && (expected === 'any' || expected === seen)) return seen;
    return currentVersion(stream);
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
      const current = await versionToAppendAfter(stream, expected);
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
      const error = await insertCommit(commit);
      if (error === undefined) {
        const recorded = await sequence({ id: commit.id, commit });
        saw(stream, current + stored.length);
        return { version: current + stored.length, positions: recorded.map((e) => e.position) };
      }
      seenVersions.delete(stream); // moved on meanwhile: read it next time
      if (!error.includes('Duplicate primary key')) {
        throw new UnavailableError('event log write failed', { cause: error });
      }
      if (expected !== 'any') {
        throw new ConflictError(`stream ${stream} moved past version ${current} during the append`);
      }
    }
  };

  return {
    append,
    async readStream(stream, fromVersion = 1) {
      await writing;
      const all = await commitsFrom(stream, fromVersion);
      const out: RecordedEvent[] = [];
      for (const commit of all) {
        const recorded =
          commit.position !== null && commit.hashes !== null
            ? toRecorded(commit, commit.position, commit.hashes)
            : await sequence({ id: commit.id });
        for (const event of recorded) if (event.version >= fromVersion) out.push(event);
      }
      const last = all.at(-1);
      saw(stream, last === undefined ? 0 : last.prevVersion + last.events.length);
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
      await writing;
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
          readPage: (from, limit, filter) => readPage(from, limit, filter, sharedPages),
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
      const upTo = await frontier();
      const head = await readHead();
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
      const settled = head.pending === null && head.position === upTo;
      if (result.ok && settled && head.hash !== (last?.hash ?? GENESIS_HASH)) {
        return verifier.fail({ position: upTo, reason: 'head hash does not match the last event' });
      }
      return result;
    },
    async close() {
      closed = true;
      clearInterval(sweeper);
      await writing;
      await releaseNow();
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
