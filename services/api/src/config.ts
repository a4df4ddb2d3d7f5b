import { z } from 'zod';
import { parseSecretKey } from '@berth/auth';
import { NatsEnv, parseEnv, port } from '@berth/config';
import { EventLogEnv } from '@berth/eventlog';
import { readLoginSettings } from './login/settings.js';
import { DEFAULT_STREAM_LIMITS } from './routes/events.js';

const Env = z.object({
  BERTH_HOST: z.string().default('127.0.0.1'),
  BERTH_PORT: port(5002),
  BERTH_TOKEN_TTL_HOURS: z.coerce.number().positive().default(24),
  BERTH_SSE_WRITE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(10)
    .default(DEFAULT_STREAM_LIMITS.writeTimeoutMs),
  BERTH_LOGS_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  BERTH_LOG_LEVEL: z.string().default('info'),
  BERTH_SECRET_KEY: z
    .string()
    .min(1, 'BERTH_SECRET_KEY (32 bytes, base64) is required in cluster mode'),
});

/** Change-stream limits from the environment (shared with one-machine mode). */
export const readStreamLimits = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env.pick({ BERTH_SSE_WRITE_TIMEOUT_MS: true }), env);
  return { writeTimeoutMs: e.BERTH_SSE_WRITE_TIMEOUT_MS };
};

/** The most output a logs answer that does not follow carries (shared with one-machine mode). */
export const readLogsMaxBytes = (env: Record<string, string | undefined>) =>
  parseEnv(Env.pick({ BERTH_LOGS_MAX_BYTES: true }), env).BERTH_LOGS_MAX_BYTES;

/** The api's configuration when it runs as its own process (cluster mode). */
export const readConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  return {
    host: e.BERTH_HOST,
    port: e.BERTH_PORT,
    nats: parseEnv(NatsEnv, env),
    tokenTtlMs: e.BERTH_TOKEN_TTL_HOURS * 3_600_000,
    streamLimits: readStreamLimits(env),
    login: readLoginSettings(env),
    logsMaxBytes: readLogsMaxBytes(env),
    store: parseEnv(EventLogEnv, env),
    secretKey: parseSecretKey(e.BERTH_SECRET_KEY),
    logLevel: e.BERTH_LOG_LEVEL,
  };
};
