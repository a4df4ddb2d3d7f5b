export { createApp, type ReadinessCheck } from './app.js';
export { start, type ApiConfig, type ApiDeps } from './start.js';
export { readLogsMaxBytes, readStreamLimits } from './config.js';
