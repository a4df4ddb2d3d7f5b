export type {
  Anchor,
  AppendResult,
  EventFilter,
  EventLog,
  ExpectedVersion,
  ReadOptions,
  SubscribeOptions,
  Subscription,
  VerifyResult,
} from './port.js';
export { canonicalJson, chainKey, eventHash, GENESIS_HASH, type ChainKey } from './hash-chain.js';
export { VerifyReason } from './verify.js';
export { openSqliteEventLog, type SqliteEventLogOptions } from './sqlite.js';
export { openRethinkEventLog, parseRethinkUrl, type RethinkEventLogOptions } from './rethinkdb.js';
export { EventLogEnv, openEventLog, type EventLogConfig } from './open.js';
export { catchUpThenReact, type Follower } from './process-manager.js';
