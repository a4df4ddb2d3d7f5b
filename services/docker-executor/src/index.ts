export { DEFAULT_EXECUTOR, start, type ExecutorConfig, type ExecutorDeps } from './start.js';
export { readUsageSettings } from './config.js';
export { UsageSampler } from './usage-sampler.js';
