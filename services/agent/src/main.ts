// The agent on a Docker host: `node services/agent/dist/main.js` with BERTH_JOIN_TOKEN and
// BERTH_URL (join through the API) or BERTH_ETCD_URL (register in etcd directly).
import { Etcd3 } from 'etcd3';
import { joinProof } from '@berth/auth';
import { ping } from '@berth/docker';
import { createLogger, exitOnSignals } from '@berth/log';
import { readConfig } from './config.js';
import { detectHost } from './detect.js';
import { joinThroughApi, JoinRefused } from './join-api.js';
import { registerInEtcd } from './register.js';

const config = readConfig(process.env);
const logger = createLogger('agent', config.logLevel);
const host = detectHost({ address: config.address, dockerPort: config.dockerPort });
const addr = config.dockerUrl ?? host.addr;
await ping({ addr }, 3000); // only a host whose Docker API answers joins the pool

const facts = { id: config.id, addr, cpus: host.cpus, memory: host.memory, labels: config.labels };
const join = async () => {
  if (config.join.via === 'api')
    return joinThroughApi(config.join.url, config.token, facts, config.leaseTtlSeconds, logger);
  const etcd = new Etcd3(config.join.etcd);
  const registration = await registerInEtcd(
    etcd,
    { ...facts, proof: joinProof(config.token, facts) },
    config.leaseTtlSeconds,
    logger,
  );
  return { stop: () => registration.stop().finally(() => etcd.close()) };
};

const joined = await join().catch((error: unknown) => {
  if (!(error instanceof JoinRefused)) throw error;
  logger.fatal(error.message);
  process.exit(1);
});

// Deregistering is the courtesy that matters here; past the deadline the lease expires anyway.
exitOnSignals(
  logger,
  () =>
    joined.stop().catch((error: unknown) => logger.warn({ err: error }, 'could not deregister')),
  5000,
);
