import { z } from 'zod';
import { parseEnv, port } from '@berth/config';

const Env = z.object({
  BERTH_HOST: z.string().default('127.0.0.1'),
  BERTH_PORT: port(5002),
  BERTH_NATS_URL: z.string().min(1, 'BERTH_NATS_URL is required in cluster mode'),
  BERTH_TOKEN_TTL_HOURS: z.coerce.number().positive().default(24),
  BERTH_LOG_LEVEL: z.string().default('info'),
});

/** The api's configuration when it runs as its own process (cluster mode). */
export const readConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  return {
    host: e.BERTH_HOST,
    port: e.BERTH_PORT,
    natsUrl: e.BERTH_NATS_URL,
    tokenTtlMs: e.BERTH_TOKEN_TTL_HOURS * 3_600_000,
    logLevel: e.BERTH_LOG_LEVEL,
  };
};
