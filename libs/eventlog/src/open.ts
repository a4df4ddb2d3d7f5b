import type { EventLog } from './port.js';
import { openRethinkEventLog, parseRethinkUrl } from './rethinkdb.js';
import { openSqliteEventLog } from './sqlite.js';

export type EventLogConfig =
  { store: 'sqlite'; file: string } | { store: 'rethinkdb'; url: string };

/** Opens the configured adapter; both behave the same (one conformance suite). */
export const openEventLog = (config: EventLogConfig): Promise<EventLog> =>
  config.store === 'sqlite'
    ? Promise.resolve(openSqliteEventLog({ file: config.file }))
    : openRethinkEventLog(parseRethinkUrl(config.url));
