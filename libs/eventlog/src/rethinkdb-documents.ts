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
/** What one append adds to one stream: its events, after version `prevVersion`. */
export type Commit = {
  stream: string;
  prevVersion: number;
  events: StoredEvent[];
};
/** A commit as the log keeps it: the position of its first event, and each event's hash. */
export type PlacedCommit = Commit & { position: number; hashes: string[] };
/**
 * One document of the log: commits laid end to end from position `id` on. The key is the first
 * position, so the entry after it has exactly one possible key (its last position + 1): two
 * writers that both saw the same last entry collide on insert.
 */
export type Entry = {
  id: number;
  commits: PlacedCommit[];
};
/** Where the log ends: the next position to hand out, and the last event's hash. */
export type Tail = { next: number; hash: string };

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

/** A commit's events as recorded. */
export const recordedOf = (commit: PlacedCommit): RecordedEvent[] =>
  commit.events.map((event, i) => ({
    ...envelopeOf(commit, i, commit.position + i),
    data: event.data,
    hash: commit.hashes[i] as string,
  }));

/** Every event of an entry as recorded, in order. */
export const recordedEvents = (entry: Entry): RecordedEvent[] => entry.commits.flatMap(recordedOf);

/** The position of an entry's last event. */
export const lastPosition = (entry: Entry): number => {
  const last = entry.commits.at(-1);
  return last === undefined ? entry.id - 1 : last.position + last.events.length - 1;
};

/** Commits as recorded, placed in the log. */
export const placed = (commits: Commit[], recorded: RecordedEvent[][]): PlacedCommit[] =>
  commits.map((commit, i) => {
    const events = recorded[i] ?? [];
    return {
      ...commit,
      position: events[0]?.position ?? 0,
      hashes: events.map((e) => e.hash),
    };
  });

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
