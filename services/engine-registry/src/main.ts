// Cluster mode: `node services/engine-registry/dist/main.js`, configured by the environment.
import { Etcd3 } from 'etcd3';
import { runService } from '@berth/runtime';
import { readConfig } from './config.js';
import { start } from './start.js';

const config = readConfig(process.env);
await runService('engine-registry', process.env, async (deps) => {
  const etcd = new Etcd3(config.etcd);
  const service = await start({ ...deps, etcd });
  return { stop: async () => (await service.stop(), etcd.close()) };
});
