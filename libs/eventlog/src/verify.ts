import type { RecordedEvent } from '@berth/contracts';
import { eventHash, GENESIS_HASH, type ChainKey } from './hash-chain.js';
import type { Anchor, VerifyResult } from './port.js';

/** Why `verify` failed; the position it names is the first one affected. */
export const VerifyReason = {
  /** A position is missing from the sequence. */
  missing: 'missing event',
  /** The event differs from what its hash was made over; the chain after it still holds. */
  edited: 'edited event',
  /** From here on the hashes were made again, but not with this log's key. */
  rechained: 'chain recomputed without the key',
  /** The event at the anchor's position is not the one that was anchored. */
  anchorMismatch: 'event differs from the anchor',
  /** The log ends below the last anchored head. */
  truncated: 'truncated below the anchor',
} as const;

type Failure = { position: number; reason: string };

/**
 * Checks the chain one event at a time, in position order, so both adapters share it. A hash
 * that does not match is judged by the next event: if that one still chains to the stored hash,
 * only the event was edited; if not, the chain was recomputed from there on.
 */
export class ChainVerifier {
  private previousHash = GENESIS_HASH;
  private checked = 0;
  private suspect: number | undefined;

  constructor(
    private readonly key: ChainKey,
    private readonly anchor: Anchor | undefined,
  ) {}

  /** The failure, once one is certain; stop feeding events then. */
  next(event: RecordedEvent, canonicalData: string): Failure | undefined {
    const expected = this.checked + 1 + (this.suspect === undefined ? 0 : 1);
    if (event.position !== expected) {
      if (this.suspect !== undefined)
        return { position: this.suspect, reason: VerifyReason.edited };
      return { position: expected, reason: VerifyReason.missing };
    }
    const matches = eventHash(this.key, this.previousHash, event, canonicalData) === event.hash;
    if (this.suspect !== undefined) {
      const reason = matches ? VerifyReason.edited : VerifyReason.rechained;
      return { position: this.suspect, reason };
    }
    if (!matches) this.suspect = event.position;
    else if (this.anchor?.position === event.position && this.anchor.hash !== event.hash)
      return { position: event.position, reason: VerifyReason.anchorMismatch };
    else this.checked += 1;
    this.previousHash = event.hash;
    return undefined;
  }

  /** After the last event: an unresolved suspect, a truncation, or success. */
  finish(): VerifyResult {
    if (this.suspect !== undefined)
      return this.fail({ position: this.suspect, reason: VerifyReason.edited });
    if (this.anchor !== undefined && this.checked < this.anchor.position)
      return this.fail({ position: this.checked + 1, reason: VerifyReason.truncated });
    return { ok: true, checked: this.checked };
  }

  fail(failure: Failure): VerifyResult {
    return { ok: false, checked: this.checked, ...failure };
  }
}
