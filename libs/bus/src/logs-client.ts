import { createInbox, type NatsConnection } from 'nats';
import { subjects, type ContainerLogsRequest, type LogChunk } from '@berth/contracts';
import { encode, request } from './wire.js';

const decoder = new TextDecoder();

/**
 * Asks an executor for a container's output and yields it chunk by chunk until the end;
 * `cancel()` stops a follow (the executor closes Docker's stream).
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
    }
  })();
  return {
    chunks,
    cancel: () => {
      nc.publish(`${inbox}.cancel`);
      subscription.unsubscribe();
    },
  };
};
