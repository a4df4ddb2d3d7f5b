import { z } from 'zod';
import { EtcdEnv, parseEnv } from '@berth/config';
import { DEFAULT_EXECUTOR } from './start.js';

const Env = z.object({
  BERTH_EXECUTOR_LEASE_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_EXECUTOR.leaseSeconds),
  BERTH_EXECUTOR_CONCURRENCY: z.coerce.number().int().min(1).default(DEFAULT_EXECUTOR.concurrency),
  BERTH_PULL_TIMEOUT_MS: z.coerce.number().int().min(1000).default(DEFAULT_EXECUTOR.pullTimeoutMs),
  BERTH_PULL_IDLE_MS: z.coerce.number().int().min(1000).default(DEFAULT_EXECUTOR.pullIdleMs),
  BERTH_CONTAINER_EVENTS_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_EXECUTOR.containerEventsPerMinute),
  // 0 turns sampling off; below a second Docker stats would cost more than they tell.
  BERTH_USAGE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .refine((ms) => ms === 0 || ms >= 1000, 'is 0 (off) or at least 1000')
    .default(DEFAULT_EXECUTOR.usageIntervalMs),
  BERTH_USAGE_STATS_PER_SECOND: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_EXECUTOR.usageStatsPerSecond),
  BERTH_STOP_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(DEFAULT_EXECUTOR.stopGraceSeconds),
});

/** How often usage is sampled, and with how many stats calls: one-machine mode reads it too. */
export const readUsageSettings = (env: Record<string, string | undefined>) => {
  const e = parseEnv(
    Env.pick({ BERTH_USAGE_INTERVAL_MS: true, BERTH_USAGE_STATS_PER_SECOND: true }),
    env,
  );
  return {
    usageIntervalMs: e.BERTH_USAGE_INTERVAL_MS,
    usageStatsPerSecond: e.BERTH_USAGE_STATS_PER_SECOND,
  };
};

export const readConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  return {
    etcd: parseEnv(EtcdEnv, env),
    executor: {
      leaseSeconds: e.BERTH_EXECUTOR_LEASE_SECONDS,
      concurrency: e.BERTH_EXECUTOR_CONCURRENCY,
      pullTimeoutMs: e.BERTH_PULL_TIMEOUT_MS,
      pullIdleMs: e.BERTH_PULL_IDLE_MS,
      stopGraceSeconds: e.BERTH_STOP_GRACE_SECONDS,
      containerEventsPerMinute: e.BERTH_CONTAINER_EVENTS_PER_MINUTE,
      usageIntervalMs: e.BERTH_USAGE_INTERVAL_MS,
      usageStatsPerSecond: e.BERTH_USAGE_STATS_PER_SECOND,
    },
  };
};
