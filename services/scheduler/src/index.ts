export { start, type SchedulerDeps } from './start.js';
