export { DEFAULT_ROUTER, start, type RouterConfig, type RouterDeps } from './start.js';
export { runtimeCommand } from './runtime-api.js';
