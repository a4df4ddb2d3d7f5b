/** Restarts in place: 1 s, doubling to 5 min; a replica that stayed up 10 min starts over. */
export const BACKOFF = { firstMs: 1000, maxMs: 300_000, resetAfterMs: 600_000 } as const;

/**
 * The wait before the next restart, from the previous wait (undefined: never restarted) and how
 * long the replica ran this time, both by one clock (Docker's).
 */
export const nextDelayMs = (previousMs: number | undefined, ranMs: number): number =>
  previousMs === undefined || ranMs >= BACKOFF.resetAfterMs
    ? BACKOFF.firstMs
    : Math.min(previousMs * 2, BACKOFF.maxMs);
