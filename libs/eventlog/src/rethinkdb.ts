import { EventEmitter } from 'node:events';
import { r, type Connection } from 'rethinkdb-ts';
import { newId } from '@berth/ids';
import type { NewEvent, RecordedEvent } from '@berth/contracts';
import { ConflictError } from '@berth/errors';
import { keyedBatcher } from './batcher.js';
import { follow, waitForWakeOrPoll, type Page } from './follow.js';
import { matchesFilter, SharedPages } from './shared-pages.js';
import { canonicalJson, type ChainKey } from './hash-chain.js';
import type { AppendResult, EventFilter, EventLog, ExpectedVersion, VerifyResult } from './port.js';
import { ChainVerifier, VerifyReason } from './verify.js';
import {
  chainAll,
  placed,
  recordedOf,
  type Commit,
  type Entry,
  type StoredEvent,
  type Tail,
} from './rethinkdb-documents.js';
import { assertWritten, logQueries } from './rethinkdb-queries.js';
import { ensureSchema } from './rethinkdb-schema.js';
import { migrateEarlierLayout } from './rethinkdb-migrate.js';
import { eventsBackward, eventsForward } from './rethinkdb-walk.js';
import { startWakeFeed } from './rethinkdb-wake-feed.js';

export type RethinkEventLogOptions = {
  host: string;
  port: number;
  db: string;
  /** The key the hash chain is made with (`chainKey(secretKey)`); never stored in the log. */
  key: ChainKey;
  /** How often an idle subscriber reads again when no change notification arrived. */
  pollIntervalMs?: number;
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

// Streams whose last seen version is kept (see seenVersions): about 100 bytes each.
const SEEN_VERSIONS_MAX = 50_000;

// An entry holds at most this many commits, which keeps one insert well under ReQL's limits.
const MAX_COMMITS_PER_ENTRY = 100;

// Events one page looks at most: a filter that matches little returns an empty page that
// says how far it looked, instead of reading to the end of the log at once.
const SCANNED_PER_PAGE = 10_000;

/** What became of one commit of a batch: its events as recorded, or its stream had moved on. */
type CommitOutcome = { recorded: RecordedEvent[] } | { moved: true };

/**
 * The production event log on RethinkDB, which is atomic per document only. So an append is
 * ONE document, an entry of the `log` table keyed by its first position, holding its commits
 * (stream, previous version, events, and the position and hash of each event):
 * 1. gap-free positions: an entry is keyed one past the last entry its writer saw, so of two
 *    writers that saw the same one, the second collides, reads the new end and tries again;
 * 2. the version check: in the same query, the entry goes in only if no commit of the log
 *    starts at the previous version of any of its commits (see the append query);
 * 3. crash safety: one insert is all or nothing; nothing is ever left to finish;
 * 4. changefeeds are only a wake-up: readers read by position range on the primary key, up to
 *    the end they read first, below which every entry exists.
 */
export const openRethinkEventLog = async (options: RethinkEventLogOptions): Promise<EventLog> => {
  const conn: Connection = await r.connect({
    host: options.host,
    port: options.port,
    db: options.db,
    silent: true,
  });
  await ensureSchema(conn, options.db);
  const store = logQueries(conn);

  const pollMs = options.pollIntervalMs ?? 1000;
  const appended = new EventEmitter().setMaxListeners(0);
  let closed = false;

  // The end of the log as this instance last wrote, read or was told it (by the change feed),
  // so its next entry needs no read first while nobody else appended meanwhile.
  let known: Tail | undefined;
  const advanced = (tail: Tail) => {
    if (known === undefined || tail.next > known.next) known = tail;
  };
  // Appends this instance made; followers are woken on each.
  let writesDone = 0;

  /** The last position readers may read: every entry up to it exists. */
  const readFrontier = async () => {
    const tail = await store.readTail();
    advanced(tail);
    return tail.next - 1;
  };
  // Readers here asking at once share one read (every follower asks after every append),
  // unless it began before this instance last appended: its readers see their writes.
  let shared: { after: number; frontier: Promise<number> } | undefined;
  const frontier = async (): Promise<number> => {
    if (shared?.after === writesDone) return shared.frontier;
    const read = readFrontier();
    const mine = { after: writesDone, frontier: read };
    shared = mine;
    const forget = () => void (shared === mine && (shared = undefined));
    read.then(forget, forget);
    return read;
  };

  /**
   * The events from `from` to `upTo` matching `filter`, in order, entry by entry until `limit`
   * or more: a page that ended inside an entry would make the next one read it again.
   */
  const readRange = async (
    from: number,
    upTo: number,
    limit: number,
    filter: EventFilter | undefined,
  ): Promise<Page> => {
    const events: RecordedEvent[] = [];
    let scanned = 0;
    for await (const entry of eventsForward(store, from, upTo, limit)) {
      for (const event of entry) if (matchesFilter(event, filter)) events.push(event);
      scanned += entry.length;
      const last = entry.at(-1);
      if (last !== undefined && (events.length >= limit || scanned >= SCANNED_PER_PAGE))
        return { events, scannedTo: last.position };
    }
    return { events, scannedTo: upTo };
  };

  /** Every event from `from` to `upTo` matching `filter`, at most `limit`, page by page. */
  const readEvents = async (
    from: number,
    upTo: number,
    limit: number,
    filter: EventFilter | undefined,
  ) => {
    const out: RecordedEvent[] = [];
    for (let at = from; at <= upTo && out.length < limit;) {
      const page = await readRange(at, upTo, limit - out.length, filter);
      out.push(...page.events);
      at = page.scannedTo + 1;
    }
    return out.length > limit ? out.slice(0, limit) : out;
  };

  const sharedPages = new SharedPages((from, to) => readEvents(from, to, Infinity, undefined));

  const readPage = async (
    from: number,
    limit: number,
    filter: EventFilter | undefined,
    shared?: SharedPages,
  ): Promise<Page> => {
    const upTo = await frontier();
    if (from > upTo) return { events: [], scannedTo: Math.max(upTo, from - 1) };
    return (await shared?.page(from, upTo, limit, filter)) ?? readRange(from, upTo, limit, filter);
  };

  /**
   * Writes a batch of commits (one per stream) as one entry after the end this instance knows:
   * commits whose stream moved on are answered so and left out, and a taken key means someone
   * else appended first, so the end is read again and the entry chained after it.
   */
  const appendBatch = async (batch: Commit[]): Promise<CommitOutcome[]> => {
    const outcomes = new Map<Commit, CommitOutcome>();
    let todo = batch;
    while (todo.length > 0) {
      const tail = known ?? (await store.readTail());
      advanced(tail);
      const recorded = chainAll(options.key, todo, tail.next, tail.hash);
      const events = recorded.flat();
      const entry: Entry = { id: tail.next, commits: placed(todo, recorded) };
      const outcome = await store.append(entry);
      if ('free' in outcome) {
        const stillFree = todo.filter((_, i) => outcome.free[i]);
        for (const commit of todo)
          if (!stillFree.includes(commit)) outcomes.set(commit, { moved: true });
        todo = stillFree;
        continue;
      }
      const { written } = outcome;
      if (written.inserted === 1) {
        advanced({ next: tail.next + events.length, hash: events.at(-1)?.hash as string });
        todo.forEach((commit, i) => outcomes.set(commit, { recorded: recorded[i] ?? [] }));
        sharedPages.keep(events);
        writesDone++;
        appended.emit('appended');
        break;
      }
      if (!String(written.first_error).includes('Duplicate primary key')) assertWritten(written);
      known = undefined; // someone else appended at that position: read where the log ends
    }
    return batch.map((commit) => outcomes.get(commit) as CommitOutcome);
  };

  // Appends waiting in this instance go to the server together, one entry for all of them: one
  // insert costs the server about what one of its documents does. One commit per stream in an
  // entry, so each is checked against the log before it.
  const appendCommit = keyedBatcher(
    (commit: Commit) => commit.stream,
    MAX_COMMITS_PER_ENTRY,
    appendBatch,
  );

  // Command reads asked at once go to the server as one: a decider asks for every command of
  // its batch, and a hundred single reads cost the server far more than one of a hundred keys.
  const readCommands = keyedBatcher(
    (commandId: string) => commandId,
    MAX_COMMITS_PER_ENTRY,
    async (commandIds) => {
      const asked = new Set(commandIds);
      const byCommand = new Map<string, RecordedEvent[]>();
      for (const commit of await store.commitsOfCommands(commandIds)) {
        for (const event of recordedOf(commit)) {
          const id = event.metadata.commandId;
          if (!asked.has(id)) continue;
          const theirs = byCommand.get(id);
          if (theirs === undefined) byCommand.set(id, [event]);
          else theirs.push(event);
        }
      }
      return commandIds.map((id) =>
        (byCommand.get(id) ?? []).sort((a, b) => a.position - b.position),
      );
    },
  );

  // The version this instance last saw each stream at (its appends, its reads). A stream never
  // goes back, so an append that expects exactly what was seen needs no read first: if the
  // stream moved on, the append's check finds the commit that starts there.
  const seenVersions = new Map<string, number>();
  const saw = (stream: string, version: number) => {
    seenVersions.delete(stream); // the newest last: the oldest go first when full
    seenVersions.set(stream, version);
    if (seenVersions.size > SEEN_VERSIONS_MAX)
      seenVersions.delete(seenVersions.keys().next().value as string);
  };
  const currentVersion = async (stream: string) => {
    const last = await store.lastOfStream(stream);
    return last === undefined ? 0 : last.prevVersion + last.events.length;
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
      if (stored.length === 0) return { version: current, positions: [], events: [] };
      const outcome = await appendCommit({ stream, prevVersion: current, events: stored });
      if ('recorded' in outcome) {
        saw(stream, current + stored.length);
        return {
          version: current + stored.length,
          positions: outcome.recorded.map((e) => e.position),
          events: structuredClone(outcome.recorded), // the log keeps its own (see sharedPages)
        };
      }
      seenVersions.delete(stream); // moved on meanwhile: read it next time
      if (expected !== 'any') {
        throw new ConflictError(`stream ${stream} moved past version ${current} during the append`);
      }
    }
  };

  await migrateEarlierLayout({ conn, db: options.db, key: options.key, appendCommit });

  const wakeFeed = startWakeFeed(
    conn,
    (tail) => {
      // Another instance's entry right after the end known here: the next append needs no read.
      if (known !== undefined && tail.first === known.next) advanced(tail);
      appended.emit('appended');
    },
    () => closed,
  );

  return {
    append,
    async readStream(stream, fromVersion = 1) {
      const out: RecordedEvent[] = [];
      let version: number | undefined;
      for (const commit of await store.commitsOfStream(stream, fromVersion)) {
        // A range read is no snapshot: the list ends at its first gap.
        if (version !== undefined && commit.prevVersion !== version) break;
        version = commit.prevVersion + commit.events.length;
        for (const event of recordedOf(commit)) if (event.version >= fromVersion) out.push(event);
      }
      saw(stream, version ?? 0);
      return out;
    },
    readAll: async (fromPosition = 1, readOptions = {}) =>
      readEvents(fromPosition, await frontier(), readOptions.limit ?? Infinity, readOptions.filter),
    async readBackward(beforePosition = Infinity, readOptions = {}) {
      const limit = readOptions.limit ?? Infinity;
      const out: RecordedEvent[] = [];
      const upTo = Math.min(beforePosition - 1, await frontier());
      if (upTo < 1 || limit < 1) return out;
      for await (const event of eventsBackward(store, upTo, limit)) {
        if (!matchesFilter(event, readOptions.filter)) continue;
        out.push(event);
        if (out.length === limit) break;
      }
      return out;
    },
    readCommand: async (commandId) => structuredClone(await readCommands(commandId)),
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
          closed: () => closed,
        },
        fromPosition,
        subscribeOptions,
      ),
    async verify(anchor): Promise<VerifyResult> {
      const upTo = await frontier();
      const verifier = new ChainVerifier(options.key, anchor);
      for (let from = 1; from <= upTo;) {
        const page = await readRange(from, upTo, Infinity, undefined);
        for (const event of page.events) {
          const failure = verifier.next(event, canonicalJson(event.data));
          if (failure !== undefined) return verifier.fail(failure);
        }
        from = page.scannedTo + 1;
      }
      const result = verifier.finish();
      if (result.ok && result.checked < upTo)
        return verifier.fail({ position: result.checked + 1, reason: VerifyReason.missing });
      return result;
    },
    async close() {
      closed = true;
      await wakeFeed.stop();
      await conn.close();
    },
  };
};
