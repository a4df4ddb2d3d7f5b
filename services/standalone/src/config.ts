import { resolve } from 'node:path';
import { z } from 'zod';
import { optionalString, parseEnv, port } from '@berth/config';

const Env = z.object({
  BERTH_HOST: z.string().default('127.0.0.1'),
  BERTH_PORT: port(5002),
  BERTH_DATA_DIR: z.string().default('./data'),
  BERTH_NATS_URL: optionalString(),
  BERTH_ETCD_URL: optionalString(),
  BERTH_STORE: z.enum(['sqlite', 'rethinkdb']).default('sqlite'),
  BERTH_RETHINKDB_URL: optionalString(),
  BERTH_ADMIN_USER: z.string().default('admin'),
  BERTH_ADMIN_PASSWORD: optionalString(),
  BERTH_TOKEN_TTL_HOURS: z.coerce.number().positive().default(24),
  BERTH_LOG_LEVEL: z.string().default('info'),
});

export type StandaloneConfig = ReturnType<typeof readConfig>;

/** One-machine mode: every service in this process; NATS and etcd spawned unless given. */
export const readConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  if (e.BERTH_STORE === 'rethinkdb' && e.BERTH_RETHINKDB_URL === undefined) {
    throw new Error('invalid configuration: BERTH_STORE=rethinkdb needs BERTH_RETHINKDB_URL');
  }
  const dataDir = resolve(e.BERTH_DATA_DIR);
  return {
    host: e.BERTH_HOST,
    port: e.BERTH_PORT,
    dataDir,
    natsUrl: e.BERTH_NATS_URL,
    etcdUrl: e.BERTH_ETCD_URL,
    store:
      e.BERTH_STORE === 'rethinkdb'
        ? { store: 'rethinkdb' as const, url: e.BERTH_RETHINKDB_URL ?? '' }
        : { store: 'sqlite' as const, file: resolve(dataDir, 'events.db') },
    admin: { username: e.BERTH_ADMIN_USER, password: e.BERTH_ADMIN_PASSWORD },
    tokenTtlMs: e.BERTH_TOKEN_TTL_HOURS * 3_600_000,
    logLevel: e.BERTH_LOG_LEVEL,
  };
};
