import type { Hono } from 'hono';
import {
  ContainerState,
  HealthStatus,
  type Container,
  type Engine,
  type Session,
} from '@berth/contracts';
import { berthMetrics, METRICS_CONTENT_TYPE, metricsText } from '@berth/metrics';
import type { Gateway } from './gateway.js';
import { docsPage } from './openapi/docs-page.js';
import { openApiDocument } from './openapi/document.js';

type Env = { Variables: { session: Session } };

/** Engines by health and containers by state, counted from the read model at scrape time. */
const countReadModel = async (gateway: Gateway) => {
  const [engines, containers] = await Promise.all([
    gateway.query<Engine[]>('ListEngines', {}),
    gateway.query<Container[]>('ListContainers', { all: true }),
  ]);
  for (const health of HealthStatus.options)
    berthMetrics.engines.set({ health }, engines.filter((e) => e.health.status === health).length);
  for (const state of ContainerState.options)
    berthMetrics.containers.set({ state }, containers.filter((c) => c.state === state).length);
};

/**
 * `/openapi.json`, `/docs` and `/metrics`: open, like /healthz, so tools and Prometheus need no
 * session. The metrics hold counts, command types and service names, never secrets.
 */
export const operateRoutes = (app: Hono<Env>, gateway: Gateway) => {
  let document: ReturnType<typeof openApiDocument> | undefined;
  const documentOnce = () => (document ??= openApiDocument());

  app.get('/openapi.json', (c) => c.json(documentOnce()));
  app.get('/docs', (c) => c.html(docsPage(documentOnce())));
  app.get('/metrics', async (c) => {
    // While starting, the read model cannot answer; the process's own metrics still can.
    await countReadModel(gateway).catch(() => undefined);
    return c.body(await metricsText(), 200, { 'content-type': METRICS_CONTENT_TYPE });
  });
};
