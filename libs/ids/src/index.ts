import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import { monotonicFactory } from 'ulid';

// Monotonic: ids made in the same millisecond still sort in creation order, and only the
// first id of each millisecond draws fresh randomness (plain `ulid()` draws 16 bytes one by
// one and costs ~60x more, which shows in append throughput).
const monotonic = monotonicFactory();

/** A new ULID, greater than every id this process made before. */
export const newId = (): string => monotonic();

/** A new command id: a UUIDv7, time-ordered like the ULIDs of the events it causes. */
export const newCommandId = (): string => uuidv7();

// Fixed, so the same account and key give the same command id on every api instance.
const IDEMPOTENCY_NAMESPACE = '5b0d3c3e-6f4e-4c52-9a57-0a3a1f6d2b7e';

/**
 * The command id a client's `Idempotency-Key` stands for within `scope` (its account and
 * route): the same key from another account is another command, so it can never replay someone
 * else's outcome. `index` tells apart the commands one request sends (the first is 0).
 */
export const idempotentCommandId = (scope: string, key: string, index = 0): string =>
  uuidv5(`${scope}\n${key.toLowerCase()}\n${index}`, IDEMPOTENCY_NAMESPACE);
