// Cluster mode: `node services/projector/dist/main.js`, configured by the environment.
import { Etcd3 } from 'etcd3';
import { runService } from '@berth/runtime';
import { etcdAnchors } from './anchor.js';
import { readConfig } from './config.js';
import { start } from './start.js';

const { checkpointFile, etcd: etcdAccess, anchorEveryMs, quotaDefaults } = readConfig(process.env);
const etcd = new Etcd3(etcdAccess);
await runService('projector', process.env, async (deps) => {
  const projector = await start({
    ...deps,
    quotaDefaults,
    checkpointFile,
    anchors: etcdAnchors(etcd),
    anchorEveryMs,
  });
  return {
    stop: async () => {
      await projector.stop();
      etcd.close();
    },
  };
});
