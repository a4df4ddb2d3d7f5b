import { EtcdLeaseInvalidError, type Etcd3, type IKeyValue, type Lease, type Watcher } from 'etcd3';
import type { Logger } from '@berth/log';

export type OwnershipEvents = {
  acquired: (engine: string) => void;
  lost: (engine: string) => void;
};

const PREFIX = 'berth-executor/';
/** Ownership ends this long before the lease could have expired in etcd: clocks and lag. */
const FENCE_MARGIN_MS = 500;
const RETRY_MS = 1000;
const CLAIMS_AT_ONCE = 16;
/** The sweep's period is this share of the lease's ttl: a missed delete costs at most that. */
const SWEEPS_PER_TTL = 2;

/**
 * Which executor instance works which engine. Each instance keeps one etcd lease, and holds the
 * key `berth-executor/<engine>` of each engine it works under that lease: a key is taken only
 * while nobody holds it (a transaction on its create revision). When an instance dies, its lease
 * ends after `ttlSeconds`, etcd deletes its keys, and the others, which watch the prefix, race
 * for them. One lease and one watch per instance however many engines it works.
 *
 * The watch is the fast path, not the only one: a watch stream whose etcd member died can stall
 * without a word (etcd3's watchers do not always recover), so every half ttl one read of the
 * prefix shows the engines nobody holds, and this instance claims those it wants.
 *
 * Fencing: an instance stops working its engines as soon as its lease may have ended — when no
 * keepalive sent in the last `ttlSeconds` (less a margin) was answered, or when it sees its key
 * deleted or taken — so two instances never both believe they own an engine for long.
 */
export const engineOwnership = (
  etcd: Etcd3,
  instanceId: string,
  ttlSeconds: number,
  logger: Logger,
  on: OwnershipEvents,
) => {
  const owned = new Set<string>();
  const wanted = new Set<string>();
  let lease: Lease | undefined;
  let watcher: Promise<Watcher> | undefined;
  let stopped = false;
  /** Until when etcd surely keeps the lease: the send time of the last answered keepalive + ttl. */
  let validUntil = 0;
  /** Set when the fence gave every engine up; the next answered keepalive claims them again. */
  let fenced = false;

  const lose = (engine: string) => {
    if (owned.delete(engine)) on.lost(engine);
  };
  const loseAll = (why: string) => {
    if (owned.size === 0) return;
    logger.warn({ engines: owned.size }, `${why}: giving up every engine it worked`);
    for (const engine of [...owned]) lose(engine);
  };

  const currentLease = (): Lease => {
    if (lease !== undefined) return lease;
    const fresh = etcd.lease(ttlSeconds);
    let firedAt = Date.now();
    validUntil = firedAt + ttlSeconds * 1000;
    fresh.on('keepaliveFired', () => (firedAt = Date.now()));
    fresh.on('keepaliveSucceeded', () => {
      validUntil = firedAt + ttlSeconds * 1000;
      if (!fenced) return;
      fenced = false;
      claimAll(); // answered again: our keys may still be there, else they are free or taken
    });
    fresh.on('lost', (error) => endLease(fresh, error));
    lease = fresh;
    return fresh;
  };
  /** The lease is gone in etcd, and every key it held: claims start over under a new one. */
  const endLease = (ended: Lease, error: unknown) => {
    if (lease !== ended) return;
    lease = undefined;
    ended.release();
    logger.warn({ err: error }, 'etcd lease ended');
    loseAll('etcd lease ended');
    setTimeout(claimAll, RETRY_MS).unref();
  };

  // Keepalives that stop being answered end the ownership before etcd can hand it to another.
  const fence = setInterval(() => {
    if (fenced || Date.now() <= validUntil - FENCE_MARGIN_MS) return;
    fenced = true;
    loseAll('no keepalive of the etcd lease answered in time');
  }, 250);
  fence.unref();

  const claim = async (engine: string): Promise<void> => {
    if (stopped || !wanted.has(engine) || owned.has(engine)) return;
    const held = currentLease();
    try {
      const leaseId = await held.grant();
      const key = PREFIX + engine;
      const answer = await etcd
        .if(key, 'Create', '==', 0)
        .then(etcd.put(key).value(instanceId).lease(leaseId))
        .else(etcd.get(key))
        .commit();
      const holder = answer.succeeded
        ? instanceId
        : answer.responses[0]?.response_range?.kvs[0]?.value.toString();
      // Our own key from before a fence: still held under our lease, so ours again.
      if (holder !== instanceId || stopped || !wanted.has(engine) || owned.has(engine)) return;
      if (fenced) return; // claimed again once a keepalive is answered
      owned.add(engine);
      logger.info({ engine }, 'working this engine');
      on.acquired(engine);
    } catch (error) {
      if (error instanceof EtcdLeaseInvalidError) endLease(held, error);
      logger.debug({ err: error, engine }, 'could not claim the engine; trying again');
      setTimeout(() => claimSoon(engine), RETRY_MS).unref();
    }
  };

  // A few claims at a time: after a takeover there may be a thousand, each a round trip.
  const claiming = new Set<string>();
  const pending = new Set<string>();
  const claimSoon = (engine: string) => {
    if (!claiming.has(engine)) pending.add(engine);
    pump();
  };
  const pump = () => {
    for (const engine of pending) {
      if (claiming.size >= CLAIMS_AT_ONCE) return;
      pending.delete(engine);
      claiming.add(engine);
      void claim(engine).finally(() => (claiming.delete(engine), pump()));
    }
  };
  const claimAll = () => {
    if (stopped) return;
    for (const engine of wanted) if (!owned.has(engine)) claimSoon(engine);
  };

  const engineOf = (kv: IKeyValue) => kv.key.toString().slice(PREFIX.length);
  const watch = () => {
    watcher ??= etcd
      .watch()
      .prefix(PREFIX)
      .create()
      .then((w) => {
        // A holder gone (its lease ended, or it let go): whoever wants the engine claims it.
        w.on('delete', (kv) => {
          const engine = engineOf(kv);
          lose(engine);
          claimSoon(engine);
        });
        w.on('put', (kv) => {
          if (kv.value.toString() !== instanceId) lose(engineOf(kv));
        });
        // Deletes missed while disconnected: look again at every engine not yet worked.
        w.on('connected', claimAll);
        return w;
      });
    watcher.catch((error: unknown) => {
      logger.warn({ err: error }, 'could not watch engine ownership; trying again');
      watcher = undefined;
      setTimeout(() => (watch(), claimAll()), RETRY_MS).unref();
    });
  };

  const sweep = setInterval(
    () => {
      if (stopped || wanted.size === owned.size) return;
      etcd
        .getAll()
        .prefix(PREFIX)
        .keys()
        .then((keys) => {
          const held = new Set(keys);
          for (const engine of wanted)
            if (!owned.has(engine) && !held.has(PREFIX + engine)) claimSoon(engine);
        })
        .catch((error: unknown) =>
          logger.debug({ err: error }, 'could not sweep engine ownership'),
        );
    },
    Math.max(250, (ttlSeconds * 1000) / SWEEPS_PER_TTL),
  );
  sweep.unref();

  return {
    owns: (engine: string) => owned.has(engine),
    want: (engine: string) => {
      wanted.add(engine);
      watch();
      claimSoon(engine);
    },
    drop: async (engine: string) => {
      wanted.delete(engine);
      if (!owned.has(engine)) return;
      lose(engine);
      const key = PREFIX + engine;
      await etcd
        .if(key, 'Value', '==', instanceId)
        .then(etcd.delete().key(key))
        .commit()
        .catch(() => undefined);
    },
    /** Lets go of every engine at once: revoking the lease deletes all its keys. */
    stop: async () => {
      stopped = true;
      clearInterval(fence);
      clearInterval(sweep);
      wanted.clear();
      owned.clear();
      await (await watcher?.catch(() => undefined))?.cancel().catch(() => undefined);
      await lease?.revoke().catch(() => undefined);
    },
  };
};
