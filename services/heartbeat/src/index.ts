export { DEFAULT_HEARTBEAT, start, type HeartbeatConfig, type HeartbeatDeps } from './start.js';
