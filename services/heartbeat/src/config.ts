import { z } from 'zod';
import { parseEnv } from '@berth/config';
import { DEFAULT_HEARTBEAT } from './start.js';

const Env = z.object({
  BERTH_HEARTBEAT_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(DEFAULT_HEARTBEAT.intervalMs),
  BERTH_HEARTBEAT_TIMEOUT_MS: z.coerce.number().int().min(50).default(DEFAULT_HEARTBEAT.timeoutMs),
  BERTH_HEARTBEAT_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_HEARTBEAT.concurrency),
});

export const readConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  return {
    heartbeat: {
      intervalMs: e.BERTH_HEARTBEAT_INTERVAL_MS,
      timeoutMs: e.BERTH_HEARTBEAT_TIMEOUT_MS,
      concurrency: e.BERTH_HEARTBEAT_CONCURRENCY,
    },
  };
};
