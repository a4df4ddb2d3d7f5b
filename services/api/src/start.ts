import { serve } from '@hono/node-server';
import type { Logger } from '@berth/log';
import { createApp, type ReadinessCheck } from './app.js';

export type ApiConfig = { host: string; port: number };
export type ApiDeps = { logger: Logger; checks: Record<string, ReadinessCheck> };

/**
 * Listens at once, answering /healthz 503 until `markStarted()`; so a supervisor can tell
 * "starting" from "down".
 */
export const start = async (config: ApiConfig, deps: ApiDeps) => {
  let started = false;
  const app = createApp({ logger: deps.logger, checks: deps.checks, started: () => started });
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
