// Cluster mode: `node services/account/dist/main.js`, configured by the environment.
import { runService } from '@berth/runtime';
import { readAdminConfig } from './config.js';
import { start } from './start.js';

const admin = readAdminConfig(process.env);
await runService('account', process.env, (deps) => start({ ...deps, admin }));
