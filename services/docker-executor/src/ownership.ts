import type { Campaign, Etcd3 } from 'etcd3';
import type { Logger } from '@berth/log';

export type OwnershipEvents = {
  acquired: (engine: string) => void;
  lost: (engine: string) => void;
};

/**
 * One etcd election per engine: the instance elected works that engine, and only it. Its lease
 * dies with it (after `ttlSeconds`), and another instance is elected and takes over.
 */
export const engineOwnership = (
  etcd: Etcd3,
  instanceId: string,
  ttlSeconds: number,
  logger: Logger,
  on: OwnershipEvents,
) => {
  const campaigns = new Map<string, Campaign>();
  const owned = new Set<string>();
  const wanted = new Set<string>();

  const lose = (engine: string) => {
    if (owned.delete(engine)) on.lost(engine);
  };

  const campaign = (engine: string) => {
    if (!wanted.has(engine) || campaigns.has(engine)) return;
    const bid = etcd.election(`berth-executor/${engine}`, ttlSeconds).campaign(instanceId);
    campaigns.set(engine, bid);
    bid.on('elected', () => {
      owned.add(engine);
      logger.info({ engine }, 'working this engine');
      on.acquired(engine);
    });
    bid.on('error', (error: Error) => {
      logger.warn({ err: error, engine }, 'lost the election for this engine; campaigning again');
      campaigns.delete(engine);
      lose(engine);
      setTimeout(() => campaign(engine), 1000).unref();
    });
  };

  return {
    owns: (engine: string) => owned.has(engine),
    want: (engine: string) => {
      wanted.add(engine);
      campaign(engine);
    },
    drop: async (engine: string) => {
      wanted.delete(engine);
      const bid = campaigns.get(engine);
      campaigns.delete(engine);
      lose(engine);
      await bid?.resign().catch(() => undefined);
    },
    stop: async () => {
      wanted.clear();
      await Promise.all([...campaigns.values()].map((bid) => bid.resign().catch(() => undefined)));
      campaigns.clear();
      owned.clear();
    },
  };
};
