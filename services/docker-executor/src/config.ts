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
  BERTH_STOP_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(DEFAULT_EXECUTOR.stopGraceSeconds),
});

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
    },
  };
};
