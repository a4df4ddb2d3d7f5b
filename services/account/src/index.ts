export { readAdminConfig } from './config.js';
export { start, type AccountServiceDeps } from './start.js';
