export { DEFAULT_EXECUTOR, start, type ExecutorConfig, type ExecutorDeps } from './start.js';
