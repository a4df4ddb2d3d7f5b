// `npm start`: all of Berth in one process on this machine.
import { createLogger, keepServingOnStrayErrors } from '@berth/log';
import { readConfig } from './config.js';
import { start } from './start.js';

const config = readConfig(process.env);
const logger = createLogger('berth', config.logLevel);
keepServingOnStrayErrors(logger);
const berth = await start(config, logger);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  berth.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', () => shutdown('SIGINT'));
process.once('SIGTERM', () => shutdown('SIGTERM'));
