export { createApp, type ReadinessCheck } from './app.js';
export { start, type ApiConfig, type ApiDeps } from './start.js';
export { readLogsMaxBytes, readStreamLimits } from './config.js';
export { readLoginSettings, type LoginSettings } from './login/settings.js';
export type { LoginLimits } from './login/policy.js';
export type { TrustedProxies } from './login/client-address.js';
