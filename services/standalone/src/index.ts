export { readConfig, type StandaloneConfig } from './config.js';
export { start } from './start.js';
