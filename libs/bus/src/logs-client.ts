import { createInbox, type NatsConnection } from 'nats';
import { subjects, type ContainerLogsRequest, type LogChunk } from '@berth/contracts';
import { ackSubject, cancelSubject } from './logs-flow.js';
import { encode, request } from './wire.js';

const decoder = new TextDecoder();

/**
 * Asks an executor for a container's output and yields it chunk by chunk until the end. Each
 * chunk is acknowledged when the consumer asks for the next one, which paces the executor
 * (`logSender`); `cancel()` stops the stream (the executor closes Docker's).
 */
export const requestLogs = async (
  nc: NatsConnection,
  params: Omit<ContainerLogsRequest, 'inbox'>,
) => {
  const inbox = createInbox();
  const subscription = nc.subscribe(inbox);
  try {
    await request(nc, subjects.logs, encode({ ...params, inbox }), 'logs', 10_000, 2);
  } catch (error) {
    subscription.unsubscribe();
    throw error;
  }
  const chunks = (async function* (): AsyncGenerator<LogChunk> {
    for await (const message of subscription) {
      const chunk = JSON.parse(decoder.decode(message.data)) as LogChunk;
      yield chunk;
      if ('end' in chunk) break;
      nc.publish(ackSubject(inbox), String(chunk.seq));
    }
  })();
  return {
    chunks,
    cancel: () => {
      nc.publish(cancelSubject(inbox));
      subscription.unsubscribe();
    },
  };
};
