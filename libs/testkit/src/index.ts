import { inject } from 'vitest';
import './provided.js';

/** The URL of the run's nats-server, started once by the global setup. */
export const natsUrl = (): string => inject('natsUrl');
export { spawnBerth, type BerthProcess } from './berth-process.js';
export { startTestHosts, type TestHost } from './test-hosts.js';
export { apiClient, dockerContainers, within } from './http.js';
