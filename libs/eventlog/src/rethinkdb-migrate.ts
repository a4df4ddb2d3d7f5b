import { r, type Connection } from 'rethinkdb-ts';
import type { RecordedEvent } from '@berth/contracts';
import { UnavailableError } from '@berth/errors';
import type { ChainKey } from './hash-chain.js';
import { chainAll, type Commit, type Entry, type StoredEvent } from './rethinkdb-documents.js';
import { assertWritten, LOG_TABLE } from './rethinkdb-queries.js';

// Before the `log` table, a log was kept in three tables: `commits` (one per append, keyed
// `stream#previousVersion`, given `position` and `hashes` once sequenced), `events` (one per
// position, written after its claim) and `meta` (the `head`, holding the claims whose events
// might not all be written yet). These are their shapes, read here only.
type EarlierCommit = Commit & { id: string; createdAt: number; position: number | null };
type EarlierEvent = Omit<RecordedEvent, 'position' | 'id'> & { id: number; eventId: string };
type EarlierClaim = { commits: string[]; from: number; prevHash: string };
type EarlierHead = { position: number; pending: EarlierClaim[] | EarlierClaim | null };

// `meta` first: while it is there, the copy is not known to be whole.
const EARLIER_TABLES = ['meta', 'commits', 'events'] as const;
const PAGE = 1000;

/**
 * Copies a log kept the earlier way into `log`, once, at the same positions with the same
 * hashes: the events as written, the events of the claims still on the head (their commits and
 * the claim say what they are), then the commits their writer never claimed (it died first),
 * appended after them as the earlier version's sweeper would have. The three earlier tables are
 * renamed `v1_…` last and kept for inspection. Racing instances write the very same entries.
 * Every instance of the earlier version must be stopped first.
 */
export const migrateEarlierLayout = async (on: Database) => {
  const pending = async () => (await r.db(on.db).tableList().run(on.conn)).includes('meta');
  if (!(await pending())) return;
  try {
    await copyEarlierLayout(on);
  } catch (error) {
    if (await pending()) throw error;
    // A racer finished the copy and renamed the tables under this one's reads.
  }
};

/**
 * The log's database, its connection and chain key, and how the log appends a commit (an
 * answer that its stream moved on means a racer appended it already).
 */
type Database = {
  conn: Connection;
  db: string;
  key: ChainKey;
  appendCommit: (commit: Commit) => Promise<unknown>;
};

const copyEarlierLayout = async ({ conn, db, key, appendCommit }: Database) => {
  const head = (await r.db(db).table('meta').get('head').run(conn)) as EarlierHead | null;
  if (head === null) return;

  const claims = Array.isArray(head.pending) ? head.pending : head.pending ? [head.pending] : [];
  const unwritten = await claimedEvents(conn, db, key, claims);
  const log = r.db(db).table<Entry>(LOG_TABLE);
  const keepExisting = { conflict: (_id: unknown, old: unknown, _new: unknown) => old } as never;
  for (let from = 1; from <= head.position; from += PAGE) {
    const to = Math.min(head.position, from + PAGE - 1);
    const written: EarlierEvent[] = await r
      .db(db)
      .table<EarlierEvent>('events')
      .between(from, to + 1)
      .orderBy({ index: 'id' })
      .run(conn);
    const byPosition = new Map(written.map((e) => [e.id, asRecorded(e)]));
    const entries: Entry[] = [];
    for (let position = from; position <= to; position++) {
      const event = byPosition.get(position) ?? unwritten.get(position);
      if (event === undefined)
        throw new UnavailableError(`event log migration: position ${position} is missing`);
      entries.push(entryOf(event));
    }
    assertWritten(await log.insert(entries, keepExisting).run(conn));
  }

  const claimed = new Set(claims.flatMap((claim) => claim.commits));
  const orphans: EarlierCommit[] = await r
    .db(db)
    .table<EarlierCommit>('commits')
    .getAll(true, { index: 'unsequenced' })
    .orderBy('createdAt')
    .run(conn);
  for (const { id, stream, prevVersion, events } of orphans) {
    if (!claimed.has(id)) await appendCommit({ stream, prevVersion, events });
  }

  for (const table of EARLIER_TABLES) {
    await r
      .db(db)
      .table(table)
      .config()
      .update({ name: `v1_${table}` })
      .run(conn)
      .catch((error: unknown) => {
        if (!String(error).includes('does not exist')) throw error; // a racer renamed it
      });
  }
};

/** The events of the claims on the head, whose writer may not have written them, by position. */
const claimedEvents = async (
  conn: Connection,
  db: string,
  key: ChainKey,
  claims: EarlierClaim[],
) => {
  const events = new Map<number, RecordedEvent>();
  for (const claim of claims) {
    const commits: EarlierCommit[] = await r
      .db(db)
      .table<EarlierCommit>('commits')
      .getAll(r.args(claim.commits))
      .run(conn);
    const byId = new Map(commits.map((c) => [c.id, c]));
    const ordered = claim.commits.map((id) => {
      const commit = byId.get(id);
      if (commit === undefined) throw new UnavailableError(`event log migration: ${id} missing`);
      return commit;
    });
    for (const event of chainAll(key, ordered, claim.from, claim.prevHash).flat())
      events.set(event.position, event);
  }
  return events;
};

const asRecorded = ({ id, eventId, ...rest }: EarlierEvent): RecordedEvent => ({
  ...rest,
  position: id,
  id: eventId,
});

/** One event, at its position and with its hash, as an entry of its own. */
const entryOf = (event: RecordedEvent): Entry => {
  const stored: StoredEvent = {
    id: event.id,
    type: event.type,
    v: event.v,
    at: event.at,
    data: event.data,
    metadata: event.metadata,
  };
  return {
    id: event.position,
    commits: [
      {
        stream: event.stream,
        prevVersion: event.version - 1,
        events: [stored],
        position: event.position,
        hashes: [event.hash],
      },
    ],
  };
};
