import { inject } from 'vitest';
import './provided.js';

/** How to reach the run's nats-server (started once by the global setup, with a password). */
export const natsAccess = () => inject('nats');
export { agentImageLogs, runAgentImage, spawnAgent } from './agent.js';
export { underLoad, viaProxy, type Outcome } from './load.js';
export { spawnBerth, type BerthProcess } from './berth-process.js';
export { startTestHosts, type TestHost } from './test-hosts.js';
export { ROUTED_DOMAIN, startRoutedBerth } from './routed-berth.js';
export {
  addHealthyEngine,
  apiClient,
  dockerContainers,
  dockerReservations,
  login,
  within,
} from './http.js';
export {
  CLUSTER_SERVICES,
  startCluster,
  type Cluster,
  type ClusterProcess,
  type ClusterService,
} from './cluster.js';
export { runCli } from './cli.js';
