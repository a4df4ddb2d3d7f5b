import { z } from 'zod';
import { parseSecretKey, type SecretKey } from '@berth/auth';
import { connectNats, type NatsConnection } from '@berth/bus';
import { NatsEnv, parseEnv } from '@berth/config';
import { EventLogEnv, openEventLog, type EventLog } from '@berth/eventlog';
import { serveMetrics } from '@berth/metrics';
import {
  holdLargeHeapsNearLiveSet,
  createLogger,
  exitOnSignals,
  keepServingOnStrayErrors,
  startOrExit,
  type Logger,
} from '@berth/log';

export type ServiceDeps = {
  nc: NatsConnection;
  log: EventLog;
  logger: Logger;
  /** The cluster's secret key: it keys the log's hash chain and seals secrets. */
  secretKey: SecretKey;
};
export type RunningService = { stop: () => Promise<unknown> };

const Env = z.object({
  BERTH_LOG_LEVEL: z.string().default('info'),
  BERTH_SECRET_KEY: z
    .string()
    .min(1, 'BERTH_SECRET_KEY (32 bytes, base64) is required in cluster mode'),
  /** This process's own `GET /metrics` for Prometheus; none when unset. */
  BERTH_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
});

/**
 * Cluster mode for one service: reads BERTH_NATS_*, BERTH_SECRET_KEY, BERTH_STORE…, connects, starts, and
 * stops cleanly on SIGINT/SIGTERM. A service's main.ts is one call to this.
 */
export const runService = async (
  name: string,
  env: Record<string, string | undefined>,
  start: (deps: ServiceDeps) => Promise<RunningService>,
) => {
  const config = parseEnv(Env, env);
  const logger = createLogger(name, config.BERTH_LOG_LEVEL);
  keepServingOnStrayErrors(logger);
  holdLargeHeapsNearLiveSet();
  const stop = await startOrExit(logger, `${name} service`, async () => {
    const nc = await connectNats({
      ...parseEnv(NatsEnv, env),
      name: `berth-${name}`,
      maxReconnectAttempts: -1,
    });
    const secretKey = parseSecretKey(config.BERTH_SECRET_KEY);
    const log = await openEventLog(parseEnv(EventLogEnv, env), secretKey);
    const service = await start({ nc, log, logger, secretKey });
    const metrics =
      config.BERTH_METRICS_PORT === undefined
        ? undefined
        : await serveMetrics(config.BERTH_METRICS_PORT);
    if (metrics !== undefined) logger.info({ port: metrics.port }, 'metrics listening');
    return async () => {
      await metrics?.stop();
      await service.stop();
      await nc.drain();
      await log.close();
    };
  });
  logger.info(`${name} service ready`);
  exitOnSignals(logger, stop);
};
