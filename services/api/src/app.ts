import { Hono } from 'hono';
import type { SecretKey } from '@berth/auth';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { ErrorCode, httpStatusOf, type ErrorBody, type Session } from '@berth/contracts';
import { ForbiddenError, toErrorDetail } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import type { Logger } from '@berth/log';
import { mayAccess } from './access.js';
import { idempotency } from './idempotency.js';
import { dashboardRoutes, type StaticFiles } from './dashboard.js';
import type { Gateway } from './gateway.js';
import type { TrustedProxies } from './login/client-address.js';
import type { LoginGuard } from './login/guard.js';
import { operateRoutes } from './operate.js';
import { accountRoutes } from './routes/accounts.js';
import { agentRoutes } from './routes/agents.js';
import { authenticate, authRoutes } from './routes/auth.js';
import { clusterRoutes } from './routes/cluster.js';
import { containerRoutes } from './routes/containers.js';
import { engineRoutes } from './routes/engines.js';
import { eventRoutes, type ChangeStreamLimits } from './routes/events.js';
import { registryRoutes } from './routes/registries.js';

/** A named readiness probe; it throws or returns false when its dependency is not usable. */
export type ReadinessCheck = () => Promise<boolean>;

export type AppDeps = {
  logger: Logger;
  gateway: Gateway;
  /** False until the process has finished starting everything it runs. */
  started: () => boolean;
  checks: Record<string, ReadinessCheck>;
  tokenTtlMs: number;
  /** Counts login attempts across api instances. */
  loginGuard: LoginGuard;
  trustedProxies: TrustedProxies;
  /** The event log, for change streams; undefined while starting. */
  log: () => EventLog | undefined;
  streamLimits: ChangeStreamLimits;
  /** The cluster's secret key, which the join token derives from; undefined while starting. */
  secretKey: () => SecretKey | undefined;
  /** The most output a logs answer that does not follow carries (BERTH_LOGS_MAX_BYTES). */
  logsMaxBytes: number;
  /** The web dashboard's files, served at `/` (none: no dashboard). */
  dashboard?: StaticFiles;
};

const errorBody = (code: ErrorCode, message: string): ErrorBody => ({ error: { code, message } });
const MAX_BODY_BYTES = 64 * 1024;

/** The HTTP surface; errors leave only as `{ error: { code, message, field? } }`. */
export const createApp = (deps: AppDeps) => {
  const app = new Hono<{ Variables: { session: Session } }>();

  app.get('/healthz', async (c) => {
    const results = Object.fromEntries(
      await Promise.all(
        Object.entries(deps.checks).map(
          async ([name, check]) => [name, await check().catch(() => false)] as const,
        ),
      ),
    );
    const ready = deps.started() && Object.values(results).every(Boolean);
    return c.json(
      { status: ready ? 'ok' : 'unavailable', started: deps.started(), checks: results },
      ready ? 200 : 503,
    );
  });

  operateRoutes(app, deps.gateway);

  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json(
          errorBody(ErrorCode.invalid, `the body is larger than ${MAX_BODY_BYTES} bytes`),
          413,
        ),
    }),
  );

  // Everything under /api and /account needs a session, and the role must allow the path.
  const guard = createMiddleware<{ Variables: { session: Session } }>(async (c, next) => {
    const log = deps.log();
    const session = await authenticate(
      deps.gateway,
      { authorization: c.req.header('authorization'), access: c.req.header('x-access-token') },
      log === undefined ? undefined : () => log.head(),
    );
    if (!mayAccess(session.role, c.req.method, c.req.path))
      throw new ForbiddenError(`role ${session.role} may not ${c.req.method} ${c.req.path}`);
    c.set('session', session);
    await next();
  });
  app.use('/api/*', guard);
  app.use('/account/*', guard);
  // After the guard: a key is scoped to the account that sends it.
  app.use('*', idempotency);

  authRoutes(app, deps.gateway, {
    tokenTtlMs: deps.tokenTtlMs,
    guard: deps.loginGuard,
    trustedProxies: deps.trustedProxies,
  });
  accountRoutes(app, deps.gateway);
  clusterRoutes(app, deps.gateway);
  engineRoutes(app, deps.gateway);
  agentRoutes(app, deps.gateway, {
    secretKey: deps.secretKey,
    guard: deps.loginGuard,
    trustedProxies: deps.trustedProxies,
  });
  containerRoutes(app, deps.gateway, deps.logsMaxBytes);
  registryRoutes(app, deps.gateway);
  eventRoutes(app, deps.gateway, deps.log, deps.streamLimits);
  dashboardRoutes(app, deps.dashboard ?? new Map());

  app.notFound((c) =>
    c.json(errorBody(ErrorCode.notFound, `no route for ${c.req.method} ${c.req.path}`), 404),
  );

  app.onError((error, c) => {
    const detail = toErrorDetail(error);
    if (detail.code === ErrorCode.internal)
      deps.logger.error({ err: error, path: c.req.path }, 'request failed');
    return c.json({ error: detail }, httpStatusOf[detail.code] as 500);
  });

  return app;
};
