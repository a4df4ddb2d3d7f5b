import { Hono } from 'hono';
import { ErrorCode, httpStatusOf, type ErrorBody } from '@berth/contracts';
import { toErrorDetail } from '@berth/errors';
import type { Logger } from '@berth/log';

/** A named readiness probe; it throws or returns false when its dependency is not usable. */
export type ReadinessCheck = () => Promise<boolean>;

export type AppDeps = {
  logger: Logger;
  /** False until the process has finished starting everything it runs. */
  started: () => boolean;
  checks: Record<string, ReadinessCheck>;
};

const errorBody = (code: ErrorCode, message: string): ErrorBody => ({ error: { code, message } });

/** The HTTP surface. Routes are added here as capabilities land; errors leave only as JSON. */
export const createApp = (deps: AppDeps) => {
  const app = new Hono();

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
