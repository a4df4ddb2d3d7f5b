import { r, type Connection, type RDatum, type RStream, type WriteResult } from 'rethinkdb-ts';
import type { RecordedEvent } from '@berth/contracts';
import { UnavailableError } from '@berth/errors';
import type { EventFilter } from './port.js';
import { prepare } from './rethinkdb-prepared.js';
import {
  HEAD,
  type Commit,
  type EventDoc,
  type Head,
  type Pending,
} from './rethinkdb-documents.js';

// The queries of the RethinkDB event log on its three tables, none of which holds any state of
// an instance: how claims are made and kept is the log's (rethinkdb.ts).

export const MAJORITY = { readMode: 'majority' } as const;

/** A claim on the head, whether its events are all there, and its age (ms, by the server). */
type ClaimState = Pending & { written: boolean; age: number };

/**
 * A claim's compare-and-set: on a head still at `base`, hand out the positions up to `to` (the
 * last event's hash `tip`) to `pending`, and take the claims at `released` off the head.
 */
export type ClaimParams = {
  base: number;
  to: number;
  tip: string;
  released: number[];
  pending: Pending;
};
/** What storing commits and claiming them did; `onHead` is null when an insert failed. */
export type StoreAndClaimResult = { stored: WriteResult<Commit>; onHead: WriteResult | null };

export type LogQueries = ReturnType<typeof logQueries>;

export const logQueries = (conn: Connection) => {
  const commits = r.table<Commit>('commits');
  const eventsTable = r.table<EventDoc>('events');
  const meta = r.table<Head>('meta');

  const readHead = async () => (await meta.get(HEAD).run(conn, MAJORITY)) as Head;

  // Run on every append or read: built once (see rethinkdb-prepared.ts).
  const claimsQuery = prepare<object, { position: number; hash: string; claims: ClaimState[] }>(
    () =>
      r.do(meta.get(HEAD), (h: RDatum<Head | null>) => ({
        position: h('position'),
        hash: h('hash'),
        claims: h('pending').map((p: RDatum<Pending>) =>
          p.merge({
            written: eventsTable
              .between(p('from'), p('to').add(1))
              .count()
              .eq(p('to').sub(p('from')).add(1)),
            age: r.now().toEpochTime().sub(p('at').default(0)).mul(1000),
          }),
        ),
      })),
  );
  const claimOnHead = (p: RDatum) =>
    meta.get(HEAD).update((head: RDatum<Head | null>) =>
      r.branch(
        head('position').eq(p('base')),
        {
          position: p('to'),
          hash: p('tip'),
          pending: head('pending')
            .filter((q: RDatum<Pending>) => p('released').contains(q('from')).not())
            .append(p('pending').merge({ at: r.now().toEpochTime() })),
        },
        {},
      ),
    );
  const claimQuery = prepare<ClaimParams, WriteResult | null>(claimOnHead);
  // Stores the commits and, only if all were stored, claims them: one query, one round trip.
  const storeAndClaimQuery = prepare<{ batch: Commit[]; claim: ClaimParams }, StoreAndClaimResult>(
    (p) =>
      r.do(commits.insert(p('batch'), { returnChanges: 'always' }), (result: RDatum) =>
        r.branch(
          result('errors').eq(0),
          { stored: result, onHead: claimOnHead(p('claim')) },
          { stored: result, onHead: null },
        ),
      ),
  );
  type ClaimWrite = { docs: EventDoc[]; placed: Pick<Commit, 'id' | 'position' | 'hashes'>[] };
  const writeClaimQuery = (durability: 'hard' | 'soft') =>
    prepare<ClaimWrite, WriteResult[]>((p) => [
      eventsTable.insert(p('docs'), { conflict: 'replace', durability }),
      commits.insert(p('placed'), { conflict: 'update', durability }),
    ]);
  const writeClaimQueries = { hard: writeClaimQuery('hard'), soft: writeClaimQuery('soft') };

  // The events written of a claim, and its commits still without positions.
  const isWrittenQuery = prepare<Pending, [number, number]>((p) => [
    eventsTable.between(p('from'), p('to').add(1)).count(),
    commits
      .getAll(r.args(p('commits')))
      .filter((c: RDatum<Commit>) => c('position').eq(null))
      .count(),
  ]);

  /** The head, and for each claim on it whether its events are all there and its age (ms). */
  const readClaims = () => claimsQuery(conn, {}, MAJORITY);

  /** The compare-and-set of a claim; see ClaimParams. */
  const claim = (params: ClaimParams) => claimQuery(conn, params);

  /** Stores commits and, if all were stored, claims them on the head in the same query. */
  const storeAndClaim = (batch: Commit[], params: ClaimParams) =>
    storeAndClaimQuery(conn, { batch, claim: params });

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
   * the claimer and any helper may race. The claim stays on the head until `release`, which a
   * soft write must not reach before a sync.
   */
  const writeClaim = async (
    pending: Pending,
    ordered: Commit[],
    recorded: RecordedEvent[][],
    durability: 'hard' | 'soft',
  ) => {
    const docs: EventDoc[] = recorded.flat().map(({ position, id, ...rest }) => ({
      ...rest,
      id: position,
      eventId: id,
    }));
    // An insert that updates: each commit exists (a claim names stored commits only), and a
    // blind write costs the server less than an update by function.
    const placed = ordered.map((commit, i) => {
      const events = recorded[i] ?? [];
      return {
        id: commit.id,
        position: events[0]?.position ?? null,
        hashes: events.map((e) => e.hash),
      };
    });
    const results = await writeClaimQueries[durability](conn, { docs, placed });
    results.forEach(assertWritten);
  };

  /** Takes written claims off the head; those already gone are no matter. */
  const release = async (froms: number[]) => {
    await checkWrite(
      meta
        .get(HEAD)
        .update((head: RDatum<Head | null>) => ({
          pending: head('pending').filter((p: RDatum<Pending>) =>
            r.expr(froms).contains(p('from')).not(),
          ),
        }))
        .run(conn),
    );
  };

  /** Whether a claim's events and its commits' positions are all written. */
  const isWritten = async (pending: Pending) => {
    const [events, unplaced] = await isWrittenQuery(conn, pending, MAJORITY);
    return events === pending.to - pending.from + 1 && unplaced === 0;
  };

  /** Events from `from` to `upTo` in order, narrowed by `filter`, at most `limit`. */
  const eventsFrom = async (
    from: number,
    upTo: number,
    filter?: EventFilter,
    limit = Infinity,
  ): Promise<EventDoc[]> => {
    const query = filtered(eventsTable.between(from, upTo + 1).orderBy({ index: 'id' }), filter);
    return (Number.isFinite(limit) ? query.limit(limit) : query).run(conn, MAJORITY);
  };

  /** Events up to `upTo`, newest first, narrowed by `filter`, at most `limit`. */
  const eventsBackFrom = async (
    upTo: number,
    filter?: EventFilter,
    limit = Infinity,
  ): Promise<EventDoc[]> => {
    const query = filtered(
      eventsTable.between(1, upTo + 1).orderBy({ index: descending('id') }),
      filter,
    );
    return (Number.isFinite(limit) ? query.limit(limit) : query).run(conn, MAJORITY);
  };

  /** The events of several commands at once, in order. */
  const eventsOfCommands = async (commandIds: string[]): Promise<EventDoc[]> =>
    eventsTable
      .getAll(r.args(commandIds), { index: 'commandId' })
      .orderBy('id')
      .run(conn, MAJORITY);

  /** Commits stored before `before` (ms) that no claim has given positions yet, oldest first. */
  const unsequencedBefore = async (before: number): Promise<Commit[]> =>
    commits
      .getAll(true, { index: 'unsequenced' })
      .filter((c: RDatum<Commit>) => c('createdAt').lt(before))
      .orderBy('createdAt')
      .run(conn, MAJORITY);

  /** Makes every soft write to the events and commits durable, whoever made it. */
  const syncTables = async () => {
    await Promise.all([eventsTable.sync().run(conn), commits.sync().run(conn)]);
  };

  return {
    readHead,
    readClaims,
    claim,
    storeAndClaim,
    commitsFrom,
    currentVersion,
    readCommits,
    writeClaim,
    release,
    isWritten,
    syncTables,
    eventsFrom,
    eventsBackFrom,
    eventsOfCommands,
    unsequencedBefore,
  };
};

/** Throws when a write reports an error. */
export const assertWritten = (result: { errors: number; first_error?: string }) => {
  if (result.errors > 0)
    throw new UnavailableError('event log write failed', { cause: result.first_error });
};

export const checkWrite = async (write: Promise<{ errors: number; first_error?: string }>) =>
  assertWritten(await write);

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
