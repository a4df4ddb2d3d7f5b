import { EventEmitter } from 'node:events';
import { r, type Connection, type WriteResult } from 'rethinkdb-ts';
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
  toRecorded,
  type Commit,
  type EventDoc,
  type Pending,
  type StoredEvent,
} from './rethinkdb-documents.js';
import { OwnClaims, type OwnClaim } from './rethinkdb-own-claims.js';
import { assertWritten, logQueries, type ClaimParams } from './rethinkdb-queries.js';
import { ensureSchema, upgradeHead } from './rethinkdb-schema.js';
import { startWakeFeed } from './rethinkdb-wake-feed.js';

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

// A claim still on the head after this long is finished by whoever sees it: its writer may be
// dead. Finishing a claim twice only writes the same documents again, but costs a busy server.
const HELP_AFTER_MS = 1000;

// Streams whose last seen version is kept (see seenVersions): about 100 bytes each.
const SEEN_VERSIONS_MAX = 50_000;

// A claim covers at most this many commits, which keeps one insert well under ReQL's array limit.
const MAX_COMMITS_PER_CLAIM = 100;

/**
 * The production event log on RethinkDB. RethinkDB is atomic only per document, so:
 * 1. an append is ONE commit document keyed by (stream, previous version) — atomic for the
 *    batch, and the key collision is the optimistic-concurrency check;
 * 2. a single `head` document hands out gap-free global positions by compare-and-set and
 *    keeps each claim in its `pending` list until the claim's events are written, so anyone
 *    can finish a claim whose writer died, and readers never read past an unfinished claim.
 *    A claim need not wait for the writes of the claims before it;
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
  await upgradeHead(conn, options.key);

  const pollMs = options.pollIntervalMs ?? 1000;
  const orphanAfterMs = options.orphanAfterMs ?? 5000;
  const appended = new EventEmitter().setMaxListeners(0);
  let closed = false;

  const commits = r.table<Commit>('commits');
  const store = logQueries(conn);

  // The head as this instance last left or read it, so its next claim needs no read of the
  // head while nobody else claimed meanwhile.
  let known: { position: number; hash: string } | undefined;
  // Claims this instance finished writing (its own, and others' it completed); followers are
  // woken on each.
  let writesDone = 0;
  const written = () => {
    writesDone++;
    appended.emit('appended');
  };
  const own = new OwnClaims(store, written);

  /**
   * The last position readers may read: the head's, unless a claim before it is not all written
   * yet. Another instance's claim still on the head after HELP_AFTER_MS is finished here: its
   * writer may be dead, and finishing a claim twice writes the same documents again.
   */
  const readFrontier = async (): Promise<number> => {
    for (;;) {
      const { position, claims } = await store.readClaims();
      const abandoned = claims.find((c) => own.at(c.from) === undefined && c.age >= HELP_AFTER_MS);
      if (abandoned !== undefined) {
        if (await store.isWritten(abandoned)) {
          await store.syncTables(); // its writer may have written softly
          await store.release([abandoned.from]);
        } else await complete(abandoned);
        continue;
      }
      const unwritten = claims.find((c) => !c.written);
      return unwritten === undefined ? position : unwritten.from - 1;
    }
  };
  // Readers here asking at once share one read (every follower asks after every append),
  // unless it began before this instance last finished writing: its readers see their writes.
  let shared: { after: number; frontier: Promise<number> } | undefined;
  const frontier = async (): Promise<number> => {
    await own.writing; // what this instance answered, its readers see
    if (shared?.after === writesDone) return shared.frontier;
    const read = readFrontier();
    const mine = { after: writesDone, frontier: read };
    shared = mine;
    const forget = () => void (shared === mine && (shared = undefined));
    read.then(forget, forget);
    return read;
  };

  /** Finishes another instance's claim: its events, its commits' positions, then the head. */
  const complete = async (pending: Pending) => {
    const ordered = await store.readCommits(pending.commits);
    const recorded = chainAll(options.key, ordered, pending.from, pending.prevHash);
    await store.writeClaim(pending, ordered, recorded, 'hard');
    sharedPages.keep(recorded.flat());
    await store.release([pending.from]);
    written();
  };

  /** A claim worked out in this instance: the positions after `base` for `todo`. */
  type PlannedClaim = {
    base: { position: number; hash: string };
    todo: Commit[];
    recorded: RecordedEvent[][];
    pending: Pending;
    tip: string;
    releasing: OwnClaim[];
  };
  const planClaim = (base: PlannedClaim['base'], todo: Commit[]): PlannedClaim => {
    const recorded = chainAll(options.key, todo, base.position + 1, base.hash);
    const events = recorded.flat();
    const pending: Pending = {
      commits: todo.map((c) => c.id),
      from: base.position + 1,
      to: base.position + events.length,
      prevHash: base.hash,
    };
    const tip = events.at(-1)?.hash ?? base.hash;
    return { base, todo, recorded, pending, tip, releasing: own.durable() };
  };

  /**
   * The claim's one compare-and-set on the head, which also takes this instance's durable
   * claims off it. The claim is the append made durable — its commits and the claim say all its
   * events are made of, and anyone finishes a claim left unfinished — so callers are answered
   * at once, and the events are written behind them while the next claims go ahead.
   */
  const claimParams = (plan: PlannedClaim): ClaimParams => ({
    base: plan.base.position,
    to: plan.pending.to,
    tip: plan.tip,
    released: plan.releasing.map((c) => c.pending.from),
    pending: plan.pending,
  });

  /** Takes in what the compare-and-set did: true when the claim was made. */
  const claimed = (plan: PlannedClaim, result: WriteResult | null): boolean => {
    if (result === null) return false;
    assertWritten(result);
    if (result.replaced !== 1) {
      known = undefined; // someone else claimed since
      return false;
    }
    own.released(plan.releasing);
    known = { position: plan.pending.to, hash: plan.tip };
    sharedPages.keep(plan.recorded.flat());
    own.writeBehind(plan.pending, plan.todo, plan.recorded);
    return true;
  };

  /** Claims stored commits on `base`; undefined when someone else claimed since. */
  const claim = async (base: PlannedClaim['base'], todo: Commit[]) => {
    const plan = planClaim(base, todo);
    return claimed(plan, await store.claim(claimParams(plan))) ? plan.recorded : undefined;
  };

  /**
   * Gives stored commits their positions (once, whoever gets there first): on the head as read
   * now, after waiting for or finishing a claim that holds one of them already.
   */
  const sequenceBatch = async (
    requests: { id: string }[],
  ): Promise<Map<string, RecordedEvent[]>> => {
    const results = new Map<string, RecordedEvent[]>();
    for (;;) {
      const head = await store.readClaims();
      const remaining = new Set(requests.map(({ id }) => id).filter((id) => !results.has(id)));
      const holding = head.claims.find((c) => c.commits.some((id) => remaining.has(id)));
      if (holding !== undefined && !(await store.isWritten(holding))) {
        const mine = own.at(holding.from);
        if (mine !== undefined) await mine.write;
        else if (holding.age < HELP_AFTER_MS) await new Promise((done) => setTimeout(done, 2));
        else await complete(holding);
        continue;
      }
      // Read after the head: a claim written before that read is visible on the commits now,
      // and one made after it moved the head, so the claim below fails and the loop reads again.
      const todo: Commit[] = [];
      for (const commit of await store.readCommits([...remaining])) {
        if (commit.position !== null && commit.hashes !== null) {
          results.set(commit.id, toRecorded(commit, commit.position, commit.hashes));
        } else todo.push(commit);
      }
      if (todo.length === 0) return results;
      const recorded = await claim(head, todo);
      if (recorded !== undefined) {
        todo.forEach((commit, i) => results.set(commit.id, recorded[i] ?? []));
        return results;
      }
    }
  };

  // Commits found unsequenced, and those whose claim on the known head failed, are sequenced
  // together, so they share the round trips to `head` instead of racing each other for it.
  const sequence = keyedBatcher(
    (request: { id: string }) => request.id,
    MAX_COMMITS_PER_CLAIM,
    async (batch) => {
      const results = await sequenceBatch(batch);
      return batch.map(({ id }) => results.get(id) ?? []);
    },
  );

  // Commits this instance is storing and sequencing. One found unsequenced meanwhile (by a
  // reader, the sweeper) is waited for here: claimed apart from its append, it would be claimed
  // twice, since the append claims it on the head as this instance left it.
  const ownAppends = new Map<string, Promise<RecordedEvent[] | undefined>>();
  const storeAndSequence = async (commit: Commit) => {
    let error: string | undefined;
    const sequenced = storeAndClaim(commit).then((outcome) => {
      error = outcome.error;
      if (outcome.recorded !== undefined) return outcome.recorded;
      return error === undefined ? sequence({ id: commit.id }) : undefined;
    });
    // A second append of this instance on the same key waits its turn and fails on insert.
    if (!ownAppends.has(commit.id)) {
      ownAppends.set(commit.id, sequenced);
      const forget = () => void ownAppends.delete(commit.id);
      sequenced.then(forget, forget);
    }
    return { recorded: await sequenced, error };
  };
  const sequenceStored = async (id: string) =>
    (await ownAppends.get(id)?.catch(() => undefined)) ?? own.eventsOf(id) ?? sequence({ id });

  const sequenceOrphans = async () => {
    const orphans = await store.unsequencedBefore(Date.now() - orphanAfterMs);
    for (const orphan of orphans) await sequenceStored(orphan.id);
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
    const docs = await store.eventsFrom(from, upTo, filter, limit);
    const last = docs[docs.length - 1];
    return {
      events: docs.map(fromDoc),
      scannedTo: docs.length === limit && last !== undefined ? last.id : upTo,
    };
  };

  const sharedPages = new SharedPages(async (from, to) =>
    (await store.eventsFrom(from, to)).map(fromDoc),
  );

  // Commits waiting in this instance go to the server together, in one query that stores them
  // and, on the head this instance knows, claims their positions if all were stored: one
  // insert of many documents costs the server about what one does, and one query saves a
  // round trip. Answers each commit's insert error, and its events if the claim was made.
  const storeAndClaim = keyedBatcher(
    (commit: Commit) => commit.id,
    MAX_COMMITS_PER_CLAIM,
    async (batch): Promise<{ error?: string | undefined; recorded?: RecordedEvent[] }[]> => {
      await own.roomToClaim();
      const plan = known === undefined ? undefined : planClaim(known, batch);
      const { stored, onHead } =
        plan === undefined
          ? {
              stored: await commits.insert(batch, { returnChanges: 'always' }).run(conn),
              onHead: null,
            }
          : await store.storeAndClaim(batch, claimParams(plan));
      if (plan !== undefined && claimed(plan, onHead))
        return plan.recorded.map((recorded) => ({ recorded }));
      const errors = new Map(
        (stored.changes ?? [])
          .filter((c) => c.error !== undefined)
          .map((c) => [(c.new_val ?? c.old_val)?.id, c.error]),
      );
      return batch.map((commit) => ({ error: errors.get(commit.id) }));
    },
  );

  // Command reads asked at once go to the server as one: a decider asks for every command of
  // its batch, and a hundred single reads cost the server far more than one of a hundred keys.
  const readCommands = keyedBatcher(
    (commandId: string) => commandId,
    MAX_COMMITS_PER_CLAIM,
    async (commandIds) => {
      const docs = await store.eventsOfCommands(commandIds);
      const byCommand = new Map<string, RecordedEvent[]>();
      for (const event of docs.map(fromDoc)) {
        const id = event.metadata.commandId;
        const theirs = byCommand.get(id);
        if (theirs === undefined) byCommand.set(id, [event]);
        else theirs.push(event);
      }
      return commandIds.map((id) => byCommand.get(id) ?? []);
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
    return store.currentVersion(stream);
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
      const commit: Commit = {
        id: commitKey(stream, current),
        stream,
        prevVersion: current,
        events: stored,
        createdAt: Date.now(),
        position: null,
        hashes: null,
      };
      const { error, recorded } = await storeAndSequence(commit);
      if (recorded !== undefined) {
        saw(stream, current + stored.length);
        return {
          version: current + stored.length,
          positions: recorded.map((e) => e.position),
          events: structuredClone(recorded), // the log keeps its own (see sharedPages)
        };
      }
      seenVersions.delete(stream); // moved on meanwhile: read it next time
      if (!String(error).includes('Duplicate primary key')) {
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
      const all = await store.commitsFrom(stream, fromVersion);
      const out: RecordedEvent[] = [];
      for (const commit of all) {
        const recorded =
          commit.position !== null && commit.hashes !== null
            ? toRecorded(commit, commit.position, commit.hashes)
            : structuredClone(await sequenceStored(commit.id)); // the log keeps its own
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
      const docs = await store.eventsBackFrom(upTo, readOptions.filter, readOptions.limit);
      return docs.map(fromDoc);
    },
    async readCommand(commandId) {
      // Taken before the read: a write that lands meanwhile is in one or the other.
      const unwritten = own.eventsOfCommand(commandId);
      const events = new Map((await readCommands(commandId)).map((e) => [e.position, e]));
      for (const event of unwritten)
        if (!events.has(event.position)) events.set(event.position, structuredClone(event));
      return [...events.values()].sort((a, b) => a.position - b.position);
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
          closed: () => closed,
        },
        fromPosition,
        subscribeOptions,
      ),
    async verify(anchor): Promise<VerifyResult> {
      const upTo = await frontier();
      const head = await store.readHead();
      const verifier = new ChainVerifier(options.key, anchor);
      let last: EventDoc | undefined;
      const pageSize = 10_000;
      for (let from = 1; from <= upTo; from += pageSize) {
        const docs = await store.eventsFrom(from, Math.min(from + pageSize - 1, upTo));
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
      const settled = head.pending.length === 0 && head.position === upTo;
      if (result.ok && settled && head.hash !== (last?.hash ?? GENESIS_HASH)) {
        return verifier.fail({ position: upTo, reason: 'head hash does not match the last event' });
      }
      return result;
    },
    async close() {
      closed = true;
      clearInterval(sweeper);
      await own.close();
      await wakeFeed.stop();
      await conn.close();
    },
  };
};
