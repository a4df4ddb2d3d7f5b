// The agent on a Docker host: `node services/agent/dist/main.js` with BERTH_ETCD_URL set.
import { Etcd3 } from 'etcd3';
import { ping } from '@berth/docker';
import { createLogger, exitOnSignals } from '@berth/log';
import { readConfig } from './config.js';
import { detectHost } from './detect.js';
import { registerInEtcd } from './register.js';

const config = readConfig(process.env);
const logger = createLogger('agent', config.logLevel);
const host = detectHost({ address: config.address, dockerPort: config.dockerPort });
const addr = config.dockerUrl ?? host.addr;
await ping({ addr }, 3000); // only a host whose Docker API answers joins the pool

const etcd = new Etcd3({ hosts: config.etcdUrl });
const registration = await registerInEtcd(
  etcd,
  { id: config.id, addr, cpus: host.cpus, memory: host.memory, labels: config.labels },
  config.leaseTtlSeconds,
  logger,
);

// Deregistering is the courtesy that matters here; past the deadline the lease expires anyway.
exitOnSignals(
  logger,
  async () => {
    await registration
      .stop()
      .catch((error: unknown) => logger.warn({ err: error }, 'could not deregister'));
    etcd.close();
  },
  5000,
);
