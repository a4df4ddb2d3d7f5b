import type { EventMetadata, RecordedEvent } from '@berth/contracts';
import { canonicalJson, eventHash, type ChainKey } from './hash-chain.js';

// The documents the RethinkDB event log keeps, and how events are made from them.

export type StoredEvent = {
  id: string;
  type: string;
  v: number;
  at: string;
  data: unknown;
  metadata: EventMetadata;
};
export type Commit = {
  id: string;
  stream: string;
  prevVersion: number;
  events: StoredEvent[];
  createdAt: number;
  position: number | null;
  hashes: string[] | null;
};
/**
 * A claim: these commits, laid end to end, take the positions `from` to `to`, chained after
 * `prevHash`. `at` is when it was made (the server's clock, epoch seconds).
 */
export type Pending = {
  commits: string[];
  from: number;
  to: number;
  prevHash: string;
  at?: number;
};
/**
 * `position` and `hash` are the last position handed out and its event's hash, set by each
 * claim; `pending` holds the claims whose events may not all be written yet, oldest first.
 */
export type Head = { id: 'head'; position: number; hash: string; pending: Pending[] };
/** The head as versions before pipelined claims kept it: one claim, `hash` set on release. */
export type LegacyHead = Omit<Head, 'pending'> & {
  pending: Omit<Pending, 'to' | 'at'> | null;
};
export type EventDoc = Omit<RecordedEvent, 'position' | 'id'> & { id: number; eventId: string };

export const HEAD = 'head';

// The commit that follows version N of a stream has exactly one possible key, so two writers
// that both saw version N collide on insert. The number after the last '#' is unambiguous.
export const commitKey = (stream: string, prevVersion: number) => `${stream}#${prevVersion}`;

/** The `i`th event of a commit at `position`, all but its data and hash. */
const envelopeOf = (commit: Commit, i: number, position: number) => {
  const event = commit.events[i] as StoredEvent;
  return {
    position,
    id: event.id,
    stream: commit.stream,
    version: commit.prevVersion + i + 1,
    type: event.type,
    v: event.v,
    at: event.at,
    metadata: event.metadata,
  };
};

export const toRecorded = (commit: Commit, position: number, hashes: string[]): RecordedEvent[] =>
  commit.events.map((event, i) => ({
    ...envelopeOf(commit, i, position + i),
    data: event.data,
    hash: hashes[i] as string,
  }));

/** Positions and hashes for a commit that starts at `from` after `prevHash`. */
const chain = (key: ChainKey, commit: Commit, from: number, prevHash: string): RecordedEvent[] => {
  let previous = prevHash;
  return commit.events.map((event, i) => {
    const envelope = envelopeOf(commit, i, from + i);
    previous = eventHash(key, previous, envelope, canonicalJson(event.data));
    return { ...envelope, data: event.data, hash: previous };
  });
};

/** Chains several commits end to end: each starts where the previous one ended. */
export const chainAll = (
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

export const fromDoc = ({ id, eventId, ...rest }: EventDoc): RecordedEvent => ({
  ...rest,
  position: id,
  id: eventId,
});
