import { createHash } from 'node:crypto';
import {
  admitAddress,
  admitPair,
  refundAddress,
  type AddressCounter,
  type LoginLimits,
  type PairCounter,
} from './policy.js';
import type { Counters } from './counters.js';

// Keys are hashes: KV keys allow few characters, and the bucket need not hold usernames.
const keyOf = (kind: string, value: string) =>
  `${kind}.${createHash('sha256').update(value).digest('hex')}`;
const pairKey = (username: string, address: string) =>
  keyOf('pair', `${username.toLowerCase()}\n${address}`);
const addressKey = (address: string) => keyOf('address', address);

/**
 * Login attempts counted before the password is checked, so parallel guesses cannot slip past
 * the limit: per username and address with growing waits, and per address. A flood from one
 * address never holds back the same username from another. (An attempt its address refuses
 * after the pair let it through stays counted for the pair: the safe side.)
 */
export const loginGuard = (counters: Counters, limits: LoginLimits, clock = () => Date.now()) => ({
  /** Counts the attempt and answers 0, or how many milliseconds it must wait (counting nothing). */
  admit: async (username: string, address: string): Promise<number> => {
    const pair = await counters.change<PairCounter, number>(pairKey(username, address), (c) => {
      const admission = admitPair(c, clock(), limits);
      return admission.admitted
        ? { next: admission.next, result: 0 }
        : { result: admission.retryAfterMs };
    });
    if (pair > 0) return pair;
    return counters.change<AddressCounter, number>(addressKey(address), (c) => {
      const admission = admitAddress(c, clock(), limits);
      return admission.admitted
        ? { next: admission.next, result: 0 }
        : { result: admission.retryAfterMs };
    });
  },
  /** The password was right: the pair starts afresh and the address gets its attempt back. */
  succeeded: async (username: string, address: string): Promise<void> => {
    await counters.remove(pairKey(username, address));
    await counters.change<AddressCounter, void>(addressKey(address), (c) => ({
      next: refundAddress(c, clock(), limits),
      result: undefined,
    }));
  },
});
export type LoginGuard = ReturnType<typeof loginGuard>;
