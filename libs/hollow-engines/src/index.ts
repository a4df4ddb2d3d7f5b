export { DockerApiError, HollowEngine } from './engine.js';
export type { DockerEvent, HollowContainer } from './engine.js';
export { startHollowEngines } from './server.js';
export type { HollowEngines, HollowOptions } from './server.js';
