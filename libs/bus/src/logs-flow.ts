import type { NatsConnection } from 'nats';
import type { LogChunk } from '@berth/contracts';
import { encode } from './wire.js';

/** How many log chunks may be on their way unacknowledged (× 64 KB: what a stream may hold). */
export const LOG_WINDOW = 8;
/** A receiver silent this long (no acknowledgement) is gone: the sender gives up. */
const ACK_TIMEOUT_MS = 30_000;

/** Where the receiver acknowledges chunk `seq` (the number, as text) once it has passed it on. */
export const ackSubject = (inbox: string) => `${inbox}.ack`;
/** Where the receiver asks the sender to stop. */
export const cancelSubject = (inbox: string) => `${inbox}.cancel`;

/**
 * The sending end of a log stream: `send` resolves once the chunk is published and no more
 * than `LOG_WINDOW` chunks are unacknowledged, so the sender reads its source only as fast
 * as the receiver writes out — neither end ever holds more than the window. When the receiver
 * cancels, `onCancel` runs and a waiting `send` fails at once.
 */
export const logSender = (nc: NatsConnection, inbox: string, onCancel: () => void) => {
  let sent = 0;
  let acked = 0;
  let cancelled = false;
  let wake: (() => void) | undefined;
  const acks = nc.subscribe(ackSubject(inbox), {
    callback: (error, msg) => {
      const seq = error === null ? Number(new TextDecoder().decode(msg.data)) : NaN;
      if (Number.isInteger(seq) && seq > acked) acked = seq;
      wake?.();
    },
  });
  const cancel = nc.subscribe(cancelSubject(inbox), {
    max: 1,
    callback: () => {
      cancelled = true;
      onCancel();
      wake?.();
    },
  });
  const acknowledged = () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        wake = undefined;
        reject(new Error(`no acknowledgement within ${ACK_TIMEOUT_MS} ms: the reader is gone`));
      }, ACK_TIMEOUT_MS);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });
  return {
    send: async (chunk: { stream: 'stdout' | 'stderr'; data: string }) => {
      while (sent - acked >= LOG_WINDOW && !cancelled) await acknowledged();
      if (cancelled) throw new Error('the reader cancelled');
      const message: LogChunk = { seq: ++sent, ...chunk };
      nc.publish(inbox, encode(message));
    },
    end: (chunk: Omit<Extract<LogChunk, { end: true }>, 'end'> = {}) => {
      acks.unsubscribe();
      cancel.unsubscribe();
      const message: LogChunk = { end: true, ...chunk };
      nc.publish(inbox, encode(message));
    },
  };
};
