// Cluster mode: `node services/heartbeat/dist/main.js`, configured by the environment.
import { runService } from '@berth/runtime';
import { readConfig } from './config.js';
import { start } from './start.js';

const config = readConfig(process.env);
await runService('heartbeat', process.env, ({ log, logger, secretKey }) =>
  start({ log, logger, secretKey, config: config.heartbeat }),
);
