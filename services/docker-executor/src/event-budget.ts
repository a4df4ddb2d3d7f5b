/** What a window that ended had to leave out: how many of each kind, the last one, and when. */
export type Suppressed<D> = {
  key: string;
  /** The last occurrence left out, as it was given to `admit`. */
  last: D;
  /** How many occurrences were left out, by kind (e.g. Docker's action). */
  counts: Record<string, number>;
  total: number;
  /** The window: from its first occurrence, `windowMs` long (epoch ms). */
  from: number;
  until: number;
};

type Window<D> = {
  from: number;
  admitted: number;
  counts: Record<string, number>;
  total: number;
  last?: D;
};

/**
 * At most `limit` occurrences per key in a window of `windowMs` that opens at the key's first
 * occurrence. What is over the limit is only counted; once its window has ended, `ended` hands
 * the counts back (once), so one summary can stand for them all.
 */
export class EventBudget<D> {
  private readonly windows = new Map<string, Window<D>>();
  private readonly over: Suppressed<D>[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
  ) {}

  /** Whether this occurrence may be recorded; false means it was counted as suppressed. */
  admit(key: string, kind: string, now: number, detail: D): boolean {
    this.close(key, now);
    const window = this.windows.get(key);
    if (window === undefined) {
      this.windows.set(key, { from: now, admitted: 1, counts: {}, total: 0 });
      return true;
    }
    if (window.admitted < this.limit) {
      window.admitted++;
      return true;
    }
    window.counts[kind] = (window.counts[kind] ?? 0) + 1;
    window.total++;
    window.last = detail;
    return false;
  }

  /** The windows over by `now` that suppressed something, each once, in the order they ended. */
  ended(now: number): Suppressed<D>[] {
    for (const key of [...this.windows.keys()]) this.close(key, now);
    return this.over.splice(0);
  }

  /** When the next window with something suppressed ends (epoch ms), if one does. */
  nextEnd(): number | undefined {
    const ends = [...this.windows.values()]
      .filter((w) => w.total > 0)
      .map((w) => w.from + this.windowMs);
    return this.over.length > 0 ? 0 : ends.length === 0 ? undefined : Math.min(...ends);
  }

  /** Forgets the key's window once it is over, keeping what it suppressed for `ended`. */
  private close(key: string, now: number): void {
    const window = this.windows.get(key);
    if (window === undefined || now < window.from + this.windowMs) return;
    this.windows.delete(key);
    const { counts, total, from, last } = window;
    if (last !== undefined)
      this.over.push({ key, last, counts, total, from, until: from + this.windowMs });
  }
}
