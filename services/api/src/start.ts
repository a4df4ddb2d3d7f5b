import { serve } from '@hono/node-server';
import type { SecretKey } from '@berth/auth';
import type { Logger } from '@berth/log';
import type { NatsConnection } from '@berth/bus';
import type { EventLog } from '@berth/eventlog';
import { UnavailableError } from '@berth/errors';
import { createApp, type ReadinessCheck } from './app.js';
import { dashboardDir, loadStaticFiles } from './dashboard.js';
import { natsGateway } from './gateway.js';
import { kvCounters, openCounterBucket } from './login/counters.js';
import { loginGuard } from './login/guard.js';
import type { LoginSettings } from './login/settings.js';
import type { ChangeStreamLimits } from './routes/events.js';

export type ApiConfig = {
  host: string;
  port: number;
  tokenTtlMs: number;
  streamLimits: ChangeStreamLimits;
  login: LoginSettings;
  logsMaxBytes: number;
};
export type ApiDeps = {
  logger: Logger;
  /** The bus connection, once there is one. */
  nats: () => NatsConnection | undefined;
  /** The event log for change streams, once it is open. */
  log: () => EventLog | undefined;
  checks: Record<string, ReadinessCheck>;
  /** The cluster's secret key, once it is loaded. */
  secretKey: () => SecretKey | undefined;
};

/**
 * Listens at once, answering /healthz 503 until `markStarted()`; so a supervisor can tell
 * "starting" from "down".
 */
export const start = async (config: ApiConfig, deps: ApiDeps) => {
  let started = false;
  const counters = kvCounters(async () => {
    const nc = deps.nats();
    if (nc === undefined) throw new UnavailableError('berth is still starting');
    return openCounterBucket(nc, config.login.countersTtlMs);
  });
  const dashboard = loadStaticFiles(dashboardDir());
  if (!dashboard.has('/index.html'))
    deps.logger.warn('the dashboard is not built (npm run build): / serves nothing');
  const app = createApp({
    logger: deps.logger,
    gateway: natsGateway(deps.nats),
    checks: deps.checks,
    started: () => started,
    tokenTtlMs: config.tokenTtlMs,
    loginGuard: loginGuard(counters, config.login.limits),
    trustedProxies: config.login.trustedProxies,
    log: deps.log,
    streamLimits: config.streamLimits,
    secretKey: deps.secretKey,
    logsMaxBytes: config.logsMaxBytes,
    dashboard,
  });
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  deps.logger.info({ host: config.host, port }, 'api listening');
  return {
    port,
    markStarted: () => {
      started = true;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
};
