export { freePort, spawnChild, waitUntil, type Child } from './child.js';
export {
  startEtcd,
  startEtcdCluster,
  type EtcdMember,
  type LocalEtcd,
  type LocalEtcdCluster,
} from './etcd.js';
export { startNatsCluster, type LocalNatsCluster, type NatsNode } from './nats-cluster.js';
export { startNatsServer, type LocalNats, type NatsAccess } from './nats-server.js';
