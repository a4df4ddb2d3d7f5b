import type { Etcd3 } from 'etcd3';
import { z } from 'zod';
import type { Anchor } from '@berth/eventlog';
import type { Logger } from '@berth/log';

/** Where the log's head is anchored, outside the store that holds the log. */
export const ANCHOR_KEY = '/berth/anchors/head';

const StoredAnchor = z.object({
  position: z.number().int().nonnegative(),
  hash: z.string(),
  at: z.string(),
});
export type StoredAnchor = z.infer<typeof StoredAnchor>;

/** The anchored heads in etcd; the anchor only moves forward, whoever writes it. */
export type Anchors = {
  read(): Promise<StoredAnchor | undefined>;
  /** Records `head` unless an anchor at or past its position is already there. */
  advance(head: Anchor, at: Date): Promise<StoredAnchor | undefined>;
};

export const etcdAnchors = (etcd: Etcd3): Anchors => {
  const current = async () => {
    const response = await etcd.get(ANCHOR_KEY).exec();
    const kv = response.kvs[0];
    return kv === undefined
      ? { anchor: undefined, modRevision: '0' }
      : {
          anchor: StoredAnchor.parse(JSON.parse(kv.value.toString())),
          modRevision: kv.mod_revision,
        };
  };
  return {
    read: async () => (await current()).anchor,
    advance: async (head, at) => {
      for (;;) {
        const { anchor, modRevision } = await current();
        if (anchor !== undefined && anchor.position >= head.position) return undefined;
        const next = { ...head, at: at.toISOString() };
        const { succeeded } = await etcd
          .if(ANCHOR_KEY, 'Mod', '==', modRevision)
          .then(etcd.put(ANCHOR_KEY).value(JSON.stringify(next)))
          .commit();
        if (succeeded) return next;
      }
    },
  };
};

/**
 * Anchors the head the projector has reached every `everyMs`, in etcd and as one log line, so a
 * cut tail or a rewritten chain shows up in `verify` even to someone who holds the store.
 */
export const anchorPeriodically = (
  anchors: Anchors,
  head: () => Anchor,
  logger: Logger,
  everyMs: number,
) => {
  const anchorNow = async () => {
    const { position, hash } = head();
    if (position === 0) return;
    const anchored = await anchors.advance({ position, hash }, new Date());
    if (anchored !== undefined) logger.info({ anchor: anchored }, 'event log head anchored');
  };
  const tick = () =>
    anchorNow().catch((error: unknown) => logger.warn({ err: error }, 'anchoring the head failed'));
  const timer = setInterval(() => void tick(), everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await tick();
    },
  };
};
