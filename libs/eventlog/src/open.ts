import { resolve } from 'node:path';
import { z } from 'zod';
import { chainKey } from './hash-chain.js';
import { berthMetrics, observeSeconds } from '@berth/metrics';
import type { EventLog } from './port.js';
import { openRethinkEventLog, parseRethinkUrl } from './rethinkdb.js';
import { openSqliteEventLog } from './sqlite.js';

export type EventLogConfig =
  { store: 'sqlite'; file: string } | { store: 'rethinkdb'; url: string };

/**
 * Opens the configured adapter; both behave the same (one conformance suite). The hash chain is
 * keyed by a key derived from the cluster's secret key, which never enters the log.
 */
export const openEventLog = (config: EventLogConfig, secretKey: Uint8Array): Promise<EventLog> => {
  const key = chainKey(secretKey);
  const log =
    config.store === 'sqlite'
      ? Promise.resolve(openSqliteEventLog({ file: config.file, key }))
      : openRethinkEventLog({ ...parseRethinkUrl(config.url), key });
  return log.then(measured);
};

/** The log with its appends timed and its head position exported (`berth_eventlog_*`). */
const measured = (log: EventLog): EventLog => {
  const append = log.append.bind(log);
  const head = log.head.bind(log);
  log.append = async (...args) => {
    const result = await observeSeconds(berthMetrics.appendSeconds, () => append(...args));
    const last = result.positions[result.positions.length - 1];
    if (last !== undefined) headSeen(last);
    return result;
  };
  log.head = async () => {
    const position = await head();
    headSeen(position);
    return position;
  };
  return log;
};
// The gauge only rises: a process may hold several logs (tests), the highest is the news.
let highestHead = 0;
const headSeen = (position: number) => {
  if (position <= highestHead) return;
  highestHead = position;
  berthMetrics.headPosition.set(position);
};

/** The store settings every service reads: BERTH_STORE, BERTH_RETHINKDB_URL, BERTH_DATA_DIR. */
export const EventLogEnv = z
  .object({
    BERTH_STORE: z.enum(['sqlite', 'rethinkdb']).default('sqlite'),
    BERTH_RETHINKDB_URL: z.string().optional(),
    BERTH_DATA_DIR: z.string().default('./data'),
  })
  .refine((e) => e.BERTH_STORE === 'sqlite' || (e.BERTH_RETHINKDB_URL ?? '') !== '', {
    message: 'BERTH_STORE=rethinkdb needs BERTH_RETHINKDB_URL',
    path: ['BERTH_RETHINKDB_URL'],
  })
  .transform((e): EventLogConfig =>
    e.BERTH_STORE === 'rethinkdb'
      ? { store: 'rethinkdb', url: e.BERTH_RETHINKDB_URL ?? '' }
      : { store: 'sqlite', file: resolve(e.BERTH_DATA_DIR, 'events.db') },
  );
