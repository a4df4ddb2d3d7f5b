// Cluster mode: `node services/api/dist/main.js`, configured by the environment.
import { connect } from 'nats';
import { openEventLog } from '@berth/eventlog';
import { createLogger, exitOnSignals, keepServingOnStrayErrors, startOrExit } from '@berth/log';
import { readConfig } from './config.js';
import { start } from './start.js';

const config = readConfig(process.env);
const logger = createLogger('api', config.logLevel);
keepServingOnStrayErrors(logger);
const { nc, api } = await startOrExit(logger, 'api', async () => {
  const log = await openEventLog(config.store, config.secretKey);
  const nc = await connect({ ...config.nats, name: 'berth-api', maxReconnectAttempts: -1 });
  const api = await start(config, {
    logger,
    nats: () => nc,
    log: () => log,
    secretKey: () => config.secretKey,
    checks: { nats: () => Promise.resolve(!nc.isClosed()) },
  });
  return { nc, api };
});
api.markStarted();

exitOnSignals(logger, async () => {
  await api.stop();
  await nc.drain();
});
