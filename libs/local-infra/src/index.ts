export { freePort, spawnChild, waitUntil, type Child } from './child.js';
export { startEtcd, type LocalEtcd } from './etcd.js';
export { startNatsServer, type LocalNats } from './nats-server.js';
