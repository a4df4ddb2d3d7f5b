import { nanos, type KV, type NatsConnection } from 'nats';
import { UnavailableError } from '@berth/errors';

const BUCKET = 'berth-login-counters';
const WRONG_LAST_SEQUENCE = 10071; // JetStream's answer to a write at a stale revision
const MAX_ATTEMPTS = 50;

const isConflict = (error: unknown) =>
  (error as { api_error?: { err_code?: number } } | undefined)?.api_error?.err_code ===
  WRONG_LAST_SEQUENCE;

/**
 * The JetStream KV bucket that holds login counters for every api instance. A key that was not
 * written for `ttlMs` is pruned by JetStream (the bucket's max age). On a NATS cluster of three
 * nodes or more the bucket keeps three replicas, so logins go on when one node dies (a smaller
 * cluster cannot hold three; there it keeps one). A bucket made earlier with another TTL or
 * replica count is changed to these.
 */
export const openCounterBucket = async (nc: NatsConnection, ttlMs: number): Promise<KV> => {
  // A clustered server lists every node's client address in `connect_urls`.
  const nodes = nc.info?.cluster === undefined ? 1 : (nc.info.connect_urls?.length ?? 1);
  const replicas = nodes >= 3 ? 3 : 1;
  const kv = await nc.jetstream().views.kv(BUCKET, { ttl: ttlMs, history: 1, replicas });
  const { streamInfo } = await kv.status();
  if (streamInfo.config.max_age !== nanos(ttlMs) || streamInfo.config.num_replicas !== replicas) {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.update(streamInfo.config.name, {
      max_age: nanos(ttlMs),
      // JetStream's duplicate window (2 min by default) may not outlast the max age.
      duplicate_window: nanos(Math.min(ttlMs, 120_000)),
      num_replicas: replicas,
    });
  }
  return kv;
};

/** What a step decides: the counter to write (none: leave it) and what the caller gets. */
export type Step<Counter, Result> = (current: Counter | undefined) => {
  next?: Counter;
  result: Result;
};

/**
 * JSON counters in a KV bucket. Each change reads the counter, decides, and writes only at the
 * revision it read (`create` when there was none), retrying when another instance wrote in
 * between; so no count is ever lost. Changes of one key in this instance wait for each other,
 * so only other instances cause retries.
 */
export const kvCounters = (openBucket: () => Promise<KV>) => {
  let bucket: Promise<KV> | undefined;
  const kv = () =>
    (bucket ??= openBucket().catch((error: unknown) => {
      bucket = undefined; // try again on the next request
      throw new UnavailableError('the login counters cannot be reached', { cause: error });
    }));
  const queues = new Map<string, Promise<unknown>>();
  const serially = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const run = (queues.get(key) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => queues.get(key) === tail && queues.delete(key));
    return run;
  };

  // NATS or JetStream failing is "unavailable" (503): logins are refused, never unlimited.
  const reaching = <T>(work: Promise<T>) =>
    work.catch((error: unknown) => {
      if (error instanceof UnavailableError || isConflict(error)) throw error;
      throw new UnavailableError('the login counters cannot be reached', { cause: error });
    });

  return {
    change: <Counter, Result>(key: string, step: Step<Counter, Result>): Promise<Result> =>
      serially(key, async () => {
        const store = await kv();
        for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
          const entry = await reaching(store.get(key));
          const current = entry?.operation === 'PUT' ? entry.json<Counter>() : undefined;
          const { next, result } = step(current);
          if (next === undefined) return result;
          try {
            const data = JSON.stringify(next);
            await reaching(
              entry === null ? store.create(key, data) : store.update(key, data, entry.revision),
            );
            return result;
          } catch (error) {
            if (!isConflict(error)) throw error;
          }
        }
        throw new UnavailableError('the login counters are too busy; try again');
      }),
    remove: (key: string) => serially(key, async () => reaching((await kv()).delete(key))),
  };
};
export type Counters = ReturnType<typeof kvCounters>;
