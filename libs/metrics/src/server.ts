import { createServer } from 'node:http';
import { METRICS_CONTENT_TYPE, metricsText } from './metrics.js';

/**
 * A listener for `GET /metrics` alone (BERTH_METRICS_PORT), so every process of a cluster can be
 * scraped, including the ones without an HTTP API. Port 0 picks a free one.
 */
export const serveMetrics = async (port: number, host = '0.0.0.0') => {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    metricsText().then(
      (text) => response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
