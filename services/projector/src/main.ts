// Cluster mode: `node services/projector/dist/main.js`, configured by the environment.
import { runService } from '@berth/runtime';
import { start } from './start.js';

await runService('projector', process.env, start);
