/** How hard failed logins are held back; see the api's README for the settings. */
export type LoginLimits = {
  /** Attempts of one username from one address before each further one must wait. */
  freeAttempts: number;
  /** The first wait; each further attempt doubles it, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Failed attempts from one address a minute, whatever the usernames. */
  perAddressPerMinute: number;
};

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  freeAttempts: 10,
  firstDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
  perAddressPerMinute: 30,
};

/** One username from one address: attempts since its last success, and when it may try again. */
export type PairCounter = { attempts: number; notBefore: number };
/** One address: a bucket that fills by one an attempt and drains `perAddressPerMinute` a minute. */
export type AddressCounter = { level: number; at: number };

/** An attempt is let through with the counter it leaves, or told how long to wait. */
export type Admission<Counter> =
  { admitted: true; next: Counter } | { admitted: false; retryAfterMs: number };

/**
 * Counts an attempt of a username from an address, before its password is checked: the first
 * `freeAttempts` pass at once, and each one after waits twice as long as the one before.
 */
export const admitPair = (
  counter: PairCounter | undefined,
  now: number,
  limits: LoginLimits,
): Admission<PairCounter> => {
  const { attempts, notBefore } = counter ?? { attempts: 0, notBefore: 0 };
  if (now < notBefore) return { admitted: false, retryAfterMs: notBefore - now };
  const over = attempts + 1 - limits.freeAttempts;
  const delay = over < 0 ? 0 : Math.min(limits.firstDelayMs * 2 ** over, limits.maxDelayMs);
  return {
    admitted: true,
    next: { attempts: attempts + 1, notBefore: delay === 0 ? 0 : now + delay },
  };
};

const drained = (counter: AddressCounter | undefined, now: number, limits: LoginLimits) =>
  counter === undefined
    ? 0
    : Math.max(0, counter.level - ((now - counter.at) * limits.perAddressPerMinute) / 60_000);

/** Counts an attempt from an address: at most `perAddressPerMinute` a minute, in any burst. */
export const admitAddress = (
  counter: AddressCounter | undefined,
  now: number,
  limits: LoginLimits,
): Admission<AddressCounter> => {
  const level = drained(counter, now, limits) + 1;
  const excess = level - limits.perAddressPerMinute;
  return excess > 0
    ? { admitted: false, retryAfterMs: Math.ceil((excess * 60_000) / limits.perAddressPerMinute) }
    : { admitted: true, next: { level, at: now } };
};

/** Gives back an address's attempt that succeeded: only failures count against an address. */
export const refundAddress = (
  counter: AddressCounter | undefined,
  now: number,
  limits: LoginLimits,
): AddressCounter => ({ level: Math.max(0, drained(counter, now, limits) - 1), at: now });
