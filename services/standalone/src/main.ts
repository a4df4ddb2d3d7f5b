// `npm start`: all of Berth in one process on this machine.
import {
  holdLargeHeapsNearLiveSet,
  createLogger,
  exitOnSignals,
  keepServingOnStrayErrors,
  startOrExit,
} from '@berth/log';
import { readConfig } from './config.js';
import { start } from './start.js';

const config = readConfig(process.env);
const logger = createLogger('berth', config.logLevel);
keepServingOnStrayErrors(logger);
holdLargeHeapsNearLiveSet();
const berth = await startOrExit(logger, 'berth', () => start(config, logger));

exitOnSignals(logger, berth.stop);
