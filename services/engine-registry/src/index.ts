export { start, type EngineRegistryDeps } from './start.js';
