export {
  berthMetrics,
  commandFinished,
  metricsText,
  METRICS_CONTENT_TYPE,
  observeSeconds,
  registry,
  trackFollower,
  trackRouterRequests,
  type FollowerProbe,
} from './metrics.js';
export { serveMetrics } from './server.js';
