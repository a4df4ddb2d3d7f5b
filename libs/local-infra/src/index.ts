export { freePort, spawnChild, waitUntil, type Child } from './child.js';
export { startEtcd, type LocalEtcd } from './etcd.js';
export { startNatsServer, type LocalNats, type NatsAccess } from './nats-server.js';
