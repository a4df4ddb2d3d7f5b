import type { RecordedEvent } from '@berth/contracts';
import type { Commit, Pending } from './rethinkdb-documents.js';
import type { LogQueries } from './rethinkdb-queries.js';

// How long a durable claim waits for this instance's next claim to take it off the head.
const RELEASE_AFTER_MS = 10;

// How long a claim's soft writes wait for the sync that makes them durable, with others'.
const SYNC_AFTER_MS = 50;

// Claims of one instance whose events are still being written; the next waits past this many.
const MAX_CLAIMS_IN_FLIGHT = 8;

/**
 * One of this instance's claims on the head. `write` settles once the claim's events and
 * commit positions are written (softly), or the write failed (then it is left to helpers);
 * `durable` once a sync made that write durable, and the claim may leave the head.
 */
export type OwnClaim = {
  pending: Pending;
  written: boolean;
  durable: boolean;
  write: Promise<void>;
};

/**
 * This instance's claims still on the head, oldest first, and the writes behind them. The
 * claimer writes softly: a claim stays on the head until a sync of both tables has made its
 * writes durable, and whoever finishes a claim on the head writes the same documents, so a
 * crash loses nothing. One sync covers the claims written since the one before; durable claims
 * leave the head with this instance's next claim (see `durable`), or a moment after the sync
 * when no claim follows, so under load the head is written once per claim.
 */
export class OwnClaims {
  private claims: OwnClaim[] = [];
  /** The events of commits whose claims are still being written, by commit id. */
  private readonly beingWritten = new Map<string, RecordedEvent[]>();
  /** Every write this instance started: what it answered, its readers see. */
  writing: Promise<void> = Promise.resolve();
  private syncTimer: NodeJS.Timeout | undefined;
  private releaseTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** `onWritten` is told each time a claim's events are written. */
  constructor(
    private readonly store: LogQueries,
    private readonly onWritten: () => void,
  ) {}

  at(from: number): OwnClaim | undefined {
    return this.claims.find((c) => c.pending.from === from);
  }

  /** The claims a sync made durable: the next claim's compare-and-set takes them off the head. */
  durable(): OwnClaim[] {
    return this.claims.filter((c) => c.durable);
  }

  /** Forgets claims that a compare-and-set took off the head. */
  released(claims: readonly OwnClaim[]): void {
    this.claims = this.claims.filter((c) => !claims.includes(c));
  }

  /** A commit's events while its claim is being written: a read here needs not wait for it. */
  eventsOf(commitId: string): RecordedEvent[] | undefined {
    return this.beingWritten.get(commitId);
  }

  /** A command's events among those being written. */
  eventsOfCommand(commandId: string): RecordedEvent[] {
    return [...this.beingWritten.values()]
      .flat()
      .filter((event) => event.metadata.commandId === commandId);
  }

  /** Bounds the claims whose events this instance is still writing. */
  async roomToClaim(): Promise<void> {
    const inFlight = this.claims.filter((c) => !c.written);
    if (inFlight.length >= MAX_CLAIMS_IN_FLIGHT) await inFlight[0]?.write;
  }

  /** Writes a claim's events behind its callers; the next claims need not wait for it. */
  writeBehind(pending: Pending, ordered: Commit[], recorded: RecordedEvent[][]): void {
    const own: OwnClaim = { pending, written: false, durable: false, write: Promise.resolve() };
    ordered.forEach((commit, i) => this.beingWritten.set(commit.id, recorded[i] ?? []));
    const done = () => ordered.forEach((commit) => this.beingWritten.delete(commit.id));
    own.write = this.store.writeClaim(pending, ordered, recorded, 'soft').then(
      () => {
        done();
        own.written = true;
        this.onWritten();
        this.syncSoon();
      },
      // Left to a helper (see readFrontier), as if this writer had died.
      () => {
        done();
        this.released([own]);
      },
    );
    this.claims.push(own);
    this.writing = Promise.all([this.writing, own.write]).then(() => undefined);
  }

  /** Waits for the writes, makes them durable and takes the claims off the head. */
  async close(): Promise<void> {
    this.closed = true;
    await this.writing;
    await this.sync().catch(() => undefined);
    await this.release().catch(() => undefined);
  }

  private async sync() {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    const covered = this.claims.filter((c) => c.written && !c.durable);
    if (covered.length === 0) return;
    await this.store.syncTables();
    for (const claim of covered) claim.durable = true;
    this.releaseSoon();
  }

  private syncSoon() {
    if (this.syncTimer !== undefined) return;
    const retry = () => void (this.closed || this.syncSoon()); // the claims wait on the head
    this.syncTimer = setTimeout(() => void this.sync().catch(retry), SYNC_AFTER_MS);
    this.syncTimer.unref();
  }

  private async release() {
    clearTimeout(this.releaseTimer);
    const durable = this.durable();
    if (durable.length === 0) return;
    await this.store.release(durable.map((c) => c.pending.from));
    this.released(durable);
  }

  private releaseSoon() {
    clearTimeout(this.releaseTimer);
    const release = () => void this.release().catch(() => undefined);
    this.releaseTimer = setTimeout(release, RELEASE_AFTER_MS);
    this.releaseTimer.unref();
  }
}
