import { monotonicFactory } from 'ulid';

// Monotonic: ids made in the same millisecond still sort in creation order, and only the
// first id of each millisecond draws fresh randomness (plain `ulid()` draws 16 bytes one by
// one and costs ~60x more, which shows in append throughput).
const monotonic = monotonicFactory();

/** A new ULID, greater than every id this process made before. */
export const newId = (): string => monotonic();
