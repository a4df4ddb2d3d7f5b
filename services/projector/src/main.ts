// Cluster mode: `node services/projector/dist/main.js`, configured by the environment.
import { runService } from '@berth/runtime';
import { readCheckpointFile } from './config.js';
import { start } from './start.js';

const checkpointFile = readCheckpointFile(process.env);
await runService('projector', process.env, (deps) => start({ ...deps, checkpointFile }));
