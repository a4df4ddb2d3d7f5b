import { unknownLoginsStream, type AccountEvents } from '@berth/contracts';
import { eventMetadataOf } from '@berth/decider';
import { BerthError } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import { newCommandId } from '@berth/ids';
import type { Logger } from '@berth/log';
import type { z } from 'zod';

type Summary = z.infer<typeof AccountEvents.LoginFailuresSummarized>;
const MINUTE_MS = 60_000;
const minuteOf = (ms: number) => new Date(ms).toISOString().slice(0, 16);

/**
 * Failed logins as usernames that do not exist: counted here and appended once a minute as one
 * `LoginFailuresSummarized`, so anonymous clients cannot grow the log without bound. Each
 * minute's summary goes to that minute's own stream at version 0: when another instance
 * summarized the minute already, this one's count joins its next summary instead.
 */
export const unknownLoginSummaries = (
  log: EventLog,
  logger: Logger,
  clock: () => number = Date.now,
) => {
  let pending: Summary | undefined;
  let timer: NodeJS.Timeout | undefined;

  const append = async (minute: string) => {
    if (pending === undefined) return;
    const summary = pending;
    pending = undefined;
    try {
      await log.append(unknownLoginsStream(minute), 0, [
        {
          type: 'LoginFailuresSummarized',
          data: summary,
          metadata: eventMetadataOf({ commandId: newCommandId(), actor: 'system' }),
        },
      ]);
    } catch (error) {
      const taken = error instanceof BerthError && error.code === 'conflict';
      if (!taken) logger.warn({ err: error }, 'failed logins could not be summarized yet');
      pending = merge(summary, pending); // into the next summary
    }
  };

  /** Run at the start of each minute: the one that just ended gets its summary. */
  const summarizeLastMinute = () => append(minuteOf(clock() - MINUTE_MS));
  const schedule = () => {
    timer = setTimeout(
      () => void summarizeLastMinute().finally(schedule),
      MINUTE_MS - (clock() % MINUTE_MS) + 50,
    );
    timer.unref();
  };
  schedule();

  return {
    summarizeLastMinute,
    failed: () => {
      const at = new Date(clock()).toISOString();
      pending = merge({ count: 1, since: at, until: at }, pending);
    },
    /** Appends what is counted (to the current minute) and stops the timer. */
    stop: async () => {
      clearTimeout(timer);
      const left = pending?.count ?? 0;
      await append(minuteOf(clock()));
      if (pending !== undefined)
        logger.warn({ count: left }, 'failed logins as unknown usernames not recorded');
    },
  };
};

const merge = (a: Summary, b: Summary | undefined): Summary =>
  b === undefined
    ? a
    : {
        count: a.count + b.count,
        since: a.since < b.since ? a.since : b.since,
        until: a.until > b.until ? a.until : b.until,
      };
