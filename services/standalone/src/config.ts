import { resolve } from 'node:path';
import { z } from 'zod';
import { EtcdEnv, NatsEnv, optionalString, parseEnv, port, readQuotaDefaults } from '@berth/config';
import { readAdminConfig } from '@berth/account';
import { readLoginSettings, readLogsMaxBytes, readStreamLimits } from '@berth/api';
import { readAnchorEveryMs } from '@berth/projector';
import { readUsageSettings } from '@berth/docker-executor';
import { EventLogEnv } from '@berth/eventlog';

const Env = z.object({
  BERTH_HOST: z.string().default('127.0.0.1'),
  BERTH_PORT: port(5002),
  BERTH_DATA_DIR: z.string().default('./data'),
  BERTH_NATS_URL: optionalString(),
  BERTH_ETCD_URL: optionalString(),
  BERTH_SECRET_KEY: optionalString(),
  BERTH_TOKEN_TTL_HOURS: z.coerce.number().positive().default(24),
  BERTH_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).default(1000),
  BERTH_HEARTBEAT_TIMEOUT_MS: z.coerce.number().int().min(50).default(800),
  /** `auto`: add this machine's Docker (its socket) as engine `local` when it is there. */
  BERTH_LOCAL_ENGINE: z.enum(['auto', 'off']).default('auto'),
  BERTH_DOCKER_SOCKET: z.string().default('/var/run/docker.sock'),
  BERTH_LOG_LEVEL: z.string().default('info'),
  /** How long `stop` waits for a container to exit before Docker kills it. */
  BERTH_STOP_GRACE_SECONDS: z.coerce.number().int().min(0).default(10),
  /** A pull that reports no progress this long fails (no registry reachable). */
  BERTH_PULL_IDLE_MS: z.coerce.number().int().min(1000).default(10_000),
  /** Docker events recorded one by one per container and minute; the rest are summed up. */
  BERTH_CONTAINER_EVENTS_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  /** The router: HAProxy on this port, reaching `<service>.<domain>`; `off` runs none. */
  BERTH_ROUTER: z.enum(['on', 'off']).default('on'),
  BERTH_ROUTER_PORT: port(8080),
  BERTH_ROUTER_DOMAIN: z.string().min(1).default('localhost'),
});

export type StandaloneConfig = ReturnType<typeof readConfig>;

/** One-machine mode: every service in this process; NATS and etcd spawned unless given. */
export const readConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  return {
    host: e.BERTH_HOST,
    port: e.BERTH_PORT,
    dataDir: resolve(e.BERTH_DATA_DIR),
    /** Unset: a nats-server of its own on loopback, with a password made at each start. */
    nats: e.BERTH_NATS_URL === undefined ? undefined : parseEnv(NatsEnv, env),
    /** Unset: an etcd of its own on loopback. */
    etcd: e.BERTH_ETCD_URL === undefined ? undefined : parseEnv(EtcdEnv, env),
    store: parseEnv(EventLogEnv, env),
    admin: readAdminConfig(env),
    /** Unset: a key generated once into `<data dir>/secret.key`. */
    secretKey: e.BERTH_SECRET_KEY,
    tokenTtlMs: e.BERTH_TOKEN_TTL_HOURS * 3_600_000,
    heartbeat: {
      intervalMs: e.BERTH_HEARTBEAT_INTERVAL_MS,
      timeoutMs: e.BERTH_HEARTBEAT_TIMEOUT_MS,
    },
    localEngine: e.BERTH_LOCAL_ENGINE === 'auto' ? e.BERTH_DOCKER_SOCKET : undefined,
    executor: {
      stopGraceSeconds: e.BERTH_STOP_GRACE_SECONDS,
      pullIdleMs: e.BERTH_PULL_IDLE_MS,
      containerEventsPerMinute: e.BERTH_CONTAINER_EVENTS_PER_MINUTE,
      ...readUsageSettings(env),
    },
    router:
      e.BERTH_ROUTER === 'off'
        ? undefined
        : { port: e.BERTH_ROUTER_PORT, domain: e.BERTH_ROUTER_DOMAIN },
    streamLimits: readStreamLimits(env),
    login: readLoginSettings(env),
    logsMaxBytes: readLogsMaxBytes(env),
    anchorEveryMs: readAnchorEveryMs(env),
    quotaDefaults: readQuotaDefaults(env),
    logLevel: e.BERTH_LOG_LEVEL,
  };
};
