import { r, type Connection, type RDatum, type RStream, type WriteResult } from 'rethinkdb-ts';
import { UnavailableError } from '@berth/errors';
import { prepare } from './rethinkdb-prepared.js';
import { GENESIS_HASH } from './hash-chain.js';
import type { Entry, PlacedCommit, Tail } from './rethinkdb-documents.js';

// The queries of the RethinkDB event log on its one table, `log`, which holds no state of any
// instance: how an instance batches and retries its appends is the log's (rethinkdb.ts).

export const LOG_TABLE = 'log';
/** Entries by each commit's (stream, previous version): a stream's commits, and the check. */
export const STREAM_INDEX = 'stream_prev';
/** Entries by the command ids of their events. */
export const COMMAND_INDEX = 'commandId';

const MAJORITY = { readMode: 'majority' } as const;

/**
 * What an append did: `free` says, commit by commit, whether its stream was still at its
 * previous version (when one was not, nothing was written); else the insert's summary.
 */
export type AppendOutcome = { free: boolean[] } | { written: WriteResult };

export type LogQueries = ReturnType<typeof logQueries>;

export const logQueries = (conn: Connection) => {
  const log = r.table<Entry>(LOG_TABLE);
  // A commit's key in the stream index.
  const streamKey = (commit: RDatum) => r.expr([commit('stream'), commit('prevVersion')]);

  // Run on every append and read: built once (see rethinkdb-prepared.ts).
  //
  // The append: the entry goes in only if no commit of the log starts at any of its commits'
  // previous versions. The check and the insert are two steps, yet sound: every entry before
  // this one's key exists already (an entry is written only after the one before it), so the
  // check sees all of them, and any entry written after the check has this key or a later one,
  // which exists only once this key is taken, so the insert then collides. One index read
  // looks up every commit's key at once: thirty-two reads in one query cost the server three
  // times what the insert does.
  const appendQuery = prepare<{ entry: Entry }, AppendOutcome>((p) =>
    r.do(p('entry')('commits').map(streamKey), (keys: RDatum) =>
      r.do(
        log
          .getAll(r.args(keys), { index: STREAM_INDEX })
          .concatMap((entry: RDatum) => entry('commits').map(streamKey))
          .coerceTo('array'),
        (taken: RDatum) =>
          r.branch(
            taken.isEmpty(),
            { written: log.insert(p('entry')) },
            { free: keys.map((key: RDatum) => taken.contains(key).not()) },
          ),
      ),
    ),
  );
  const tailQuery = prepare<object, Tail[]>(() =>
    log
      .orderBy({ index: descending('id') })
      .limit(1)
      .map(tailOfEntry)
      .coerceTo('array'),
  );
  // The entry holding `from`, and at most `after` of those after it up to `to`.
  const entriesQuery = prepare<{ from: number; to: number; after: number }, Entry[]>((p) =>
    log
      .between(r.minval, p('from').add(1))
      .orderBy({ index: descending('id') })
      .limit(1)
      .coerceTo('array')
      .union(
        log
          .between(p('from').add(1), p('to').add(1))
          .orderBy({ index: 'id' })
          .limit(p('after'))
          .coerceTo('array'),
      ),
  );
  const entriesBackQuery = prepare<{ upTo: number; limit: number }, Entry[]>((p) =>
    log
      .between(r.minval, p('upTo').add(1))
      .orderBy({ index: descending('id') })
      .limit(p('limit'))
      .coerceTo('array'),
  );
  // Only the commits holding one of the commands' events travel back, not whole entries.
  const commandsQuery = prepare<{ ids: string[] }, PlacedCommit[]>((p) =>
    log
      .getAll(r.args(p('ids')), { index: COMMAND_INDEX })
      .concatMap((e: RDatum) =>
        e('commits').filter((c: RDatum) =>
          c('events').contains((ev: RDatum) => p('ids').contains(ev('metadata')('commandId'))),
        ),
      )
      .coerceTo('array'),
  );

  /** Writes `entry` unless a commit's stream moved on or its key is taken (see AppendOutcome). */
  const append = (entry: Entry) => appendQuery(conn, { entry });

  /** Where the log ends now. */
  const readTail = async (): Promise<Tail> => {
    const [tail] = await tailQuery(conn, {}, MAJORITY);
    return tail ?? { next: 1, hash: GENESIS_HASH };
  };

  /** The entries holding positions `from` to `to`, in order, at most `limit` (≥ 1) of them. */
  const entriesFrom = (from: number, to: number, limit: number) =>
    entriesQuery(conn, { from, to, after: Math.max(0, limit - 1) }, MAJORITY);

  /** The entries holding positions up to `upTo`, newest first, at most `limit` of them. */
  const entriesBackFrom = (upTo: number, limit: number) =>
    entriesBackQuery(conn, { upTo, limit }, MAJORITY);

  /** The commits holding events of any of these commands (a commit once). */
  const commitsOfCommands = async (ids: string[]): Promise<PlacedCommit[]> => {
    const commits = await commandsQuery(conn, { ids }, MAJORITY);
    return [...new Map(commits.map((commit) => [commit.position, commit])).values()];
  };

  // The stream's commits whose previous version is in a range; an entry holds one at most.
  const ofStream = (stream: string, from: unknown, to: unknown) =>
    log.between([stream, from], [stream, to], { index: STREAM_INDEX });
  const commitOf = (stream: string) => (e: RDatum) =>
    e('commits').filter((c: RDatum) => c('stream').eq(stream));
  const readCommits = (query: RStream) => query.run(conn, MAJORITY) as Promise<PlacedCommit[]>;

  /**
   * The stream's commits holding versions from `fromVersion` on, in order: the last one that
   * starts before it and all that start at or after it, so a decider catching up on a busy
   * stream reads its newest commits only. Those after are read first: any of them exists only
   * once the one before it does.
   */
  const commitsOfStream = async (stream: string, fromVersion: number): Promise<PlacedCommit[]> => {
    const after = await readCommits(
      ofStream(stream, fromVersion, r.maxval)
        .orderBy({ index: STREAM_INDEX })
        .concatMap(commitOf(stream)),
    );
    const holding = await readCommits(
      ofStream(stream, r.minval, fromVersion)
        .orderBy({ index: descending(STREAM_INDEX) })
        .limit(1)
        .concatMap(commitOf(stream)),
    );
    return [...holding, ...after];
  };

  /** The stream's last commit, if any. */
  const lastOfStream = async (stream: string): Promise<PlacedCommit | undefined> => {
    const [last] = await readCommits(
      ofStream(stream, r.minval, r.maxval)
        .orderBy({ index: descending(STREAM_INDEX) })
        .limit(1)
        .concatMap(commitOf(stream)),
    );
    return last;
  };

  return {
    append,
    readTail,
    entriesFrom,
    entriesBackFrom,
    commitsOfCommands,
    commitsOfStream,
    lastOfStream,
  };
};

/** Where the log ends after an entry (computed by the server: an entry may be large). */
export const tailOfEntry = (entry: RDatum<Entry>) =>
  r.do(entry('commits').nth(-1), (last: RDatum) => ({
    next: last('position').add(last('hashes').count()),
    hash: last('hashes').nth(-1),
  }));

/** Throws when a write reports an error. */
export const assertWritten = (result: { errors: number; first_error?: string }) => {
  if (result.errors > 0)
    throw new UnavailableError('event log write failed', { cause: result.first_error });
};

// The driver types r.desc as `any`; this is the one place that says what it is.
const descending = (index: string) => r.desc(index) as unknown as string;
