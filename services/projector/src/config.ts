import { z } from 'zod';
import { EtcdEnv, optionalString, parseEnv, readQuotaDefaults } from '@berth/config';

const Env = z.object({
  BERTH_PROJECTOR_CHECKPOINT: optionalString(),
  BERTH_ANCHOR_INTERVAL_SECONDS: z.coerce.number().positive().default(10),
});

/** How often the log's head is anchored (shared with one-machine mode). */
export const readAnchorEveryMs = (env: Record<string, string | undefined>) =>
  parseEnv(Env.pick({ BERTH_ANCHOR_INTERVAL_SECONDS: true }), env).BERTH_ANCHOR_INTERVAL_SECONDS *
  1000;

/**
 * Cluster mode: where this instance keeps its read-model checkpoint (none: rebuild at start),
 * and the etcd that holds the log's anchored head.
 */
export const readConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  return {
    checkpointFile: e.BERTH_PROJECTOR_CHECKPOINT,
    etcd: parseEnv(EtcdEnv, env),
    anchorEveryMs: readAnchorEveryMs(env),
    quotaDefaults: readQuotaDefaults(env),
  };
};
