// Cluster mode: `node services/router/dist/main.js`, configured by the environment.
import { Etcd3 } from 'etcd3';
import { runService } from '@berth/runtime';
import { readConfig } from './config.js';
import { start } from './start.js';

const config = readConfig(process.env);
await runService('router', process.env, async ({ log, logger }) => {
  const etcd = new Etcd3(config.etcd);
  const service = await start({ log, etcd, logger, config: config.router });
  return { stop: async () => (await service.stop(), etcd.close()) };
});
