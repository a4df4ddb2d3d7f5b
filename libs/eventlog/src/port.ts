import type { NewEvent, RecordedEvent } from '@berth/contracts';

/** `any` skips the check; a number must equal the stream's current version (0: no stream yet). */
export type ExpectedVersion = number | 'any';

/** Narrows a read or a subscription; an empty filter matches every event. */
export type EventFilter = {
  types?: readonly string[];
  streamPrefix?: string;
};

export type AppendResult = {
  /** The stream's version after the append. */
  version: number;
  /** The global position of each appended event, in order. */
  positions: number[];
  /** The appended events as recorded (as a read returns them), so nobody reads them back. */
  events: RecordedEvent[];
};

export type VerifyResult =
  { ok: true; checked: number } | { ok: false; checked: number; position: number; reason: string };

/** A head recorded outside the store: the log must still reach it, with this hash there. */
export type Anchor = { position: number; hash: string };

export type ReadOptions = { filter?: EventFilter; limit?: number };
export type SubscribeOptions = {
  filter?: EventFilter;
  batchSize?: number;
  /** Told of a failed read; the subscription reads the same page again a moment later. */
  onError?: (error: unknown) => void;
};

/** An endless catch-up-then-live feed; `close()` ends the iteration. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): void;
}

/**
 * The append-only event log. There is deliberately no way to change or remove an event.
 * Positions are global, start at 1 and have no gaps; stream versions start at 1.
 */
export interface EventLog {
  /** Appends all events or none; throws ConflictError when `expectedVersion` is stale. */
  append(
    stream: string,
    expectedVersion: ExpectedVersion,
    events: NewEvent[],
  ): Promise<AppendResult>;
  /** The stream's events from `fromVersion` (inclusive), in version order. */
  readStream(stream: string, fromVersion?: number): Promise<RecordedEvent[]>;
  /** Events from `fromPosition` (inclusive), in position order. */
  readAll(fromPosition?: number, options?: ReadOptions): Promise<RecordedEvent[]>;
  /** Newest first: events before `beforePosition` (exclusive; default: all), for audit views. */
  readBackward(beforePosition?: number, options?: ReadOptions): Promise<RecordedEvent[]>;
  /** The events a command appended, so a retried command can answer its first outcome. */
  readCommand(commandId: string): Promise<RecordedEvent[]>;
  /** The position of the newest event every reader can see (0 when empty). */
  head(): Promise<number>;
  /** Every event from `fromPosition` on, then new ones as they are appended; never skips. */
  subscribe(fromPosition?: number, options?: SubscribeOptions): Subscription;
  /**
   * Checks positions and the keyed hash chain, and the anchor when given; names the first event
   * that does not match and why (see `VerifyReason`).
   */
  verify(anchor?: Anchor): Promise<VerifyResult>;
  close(): Promise<void>;
}
