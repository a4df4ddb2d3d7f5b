// Cluster mode: `node services/scheduler/dist/main.js`, configured by the environment.
import { runService } from '@berth/runtime';
import { start } from './start.js';

await runService('scheduler', process.env, start);
