// Cluster mode: `node services/scheduler/dist/main.js`, configured by the environment.
import { readQuotaDefaults } from '@berth/config';
import { runService } from '@berth/runtime';
import { start } from './start.js';

const quotaDefaults = readQuotaDefaults(process.env);
await runService('scheduler', process.env, (deps) => start({ ...deps, quotaDefaults }));
