import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { CliError, HttpError, type Client } from './client.js';
import { openStream, textOf } from './stream.js';

/** The server comments every 15 s; three missed ones mean the connection is gone. */
const IDLE_MS = 45_000;
const MAX_BACKOFF_MS = 10_000;

export type FollowOptions = {
  /** The stream's path and query (its filter), without a position. */
  path: string;
  /** Where to start; afterwards, one past the last event seen. */
  from: number;
  onEvent: (data: string, position: number) => void;
  /** A note on stderr when the stream broke and is being resumed. */
  warn: (text: string) => void;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows an SSE change stream forever: parsed by `eventsource-parser` (CRLF, multi-line data),
 * resumed after any break from the last event seen (`Last-Event-ID`), with a backoff, so
 * nothing is printed twice and nothing is lost. Only an answer that cannot improve by trying
 * again (401, 403, 400…) ends it.
 */
export const followStream = async (client: Client, options: FollowOptions): Promise<never> => {
  let from = options.from;
  let backoff = 500;
  for (;;) {
    let reason: string;
    try {
      await followOnce(client, from, options, (position) => {
        from = position + 1;
        backoff = 500; // it works again
      });
      reason = 'the server ended the stream';
    } catch (error) {
      if (error instanceof HttpError && error.status < 500 && error.status !== 429) throw error;
      reason = (error as Error).message;
    }
    options.warn(`berth: ${reason}; resuming in ${backoff / 1000} s`);
    await sleep(backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
};

const followOnce = async (
  client: Client,
  from: number,
  options: FollowOptions,
  seen: (position: number) => void,
) => {
  // Where to go on: `from` until an event came, then after the last event's id.
  const url = new URL(options.path, client.url);
  const resume = from > options.from;
  if (!resume) url.searchParams.set('from', String(from));
  let response;
  try {
    response = await openStream(
      url,
      {
        ...client.headers(),
        accept: 'text/event-stream',
        ...(resume ? { 'last-event-id': String(from - 1) } : {}),
      },
      IDLE_MS,
    );
  } catch (error) {
    throw new CliError(`cannot reach Berth at ${client.url}: ${(error as Error).message}`);
  }
  const status = response.statusCode ?? 0;
  if (status !== 200) client.failWith(status, await textOf(response).catch(() => ''));
  let last = from - 1;
  let failure: Error | undefined;
  const parser = createParser({
    onEvent: (message: EventSourceMessage) => {
      if (message.event === 'error') {
        failure = new CliError(`the change stream broke off: ${message.data}`);
        return;
      }
      const position = Number(message.id);
      // After a resume the server starts past what was seen; this guards the rest.
      if (!Number.isInteger(position) || position <= last) return;
      last = position;
      options.onEvent(message.data, position);
      seen(position);
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of response) {
    parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
    if (failure !== undefined) {
      response.destroy();
      throw failure;
    }
  }
};
