import { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';

/** Where a server-sent event stream writes its bytes. */
export type SseSink = {
  /** Resolves once the bytes are taken: at once, or when the client's socket drains. */
  write(bytes: Uint8Array | string): Promise<void>;
  /** Called once when the client goes away or the stream ends. */
  onAbort(listener: () => void): void;
  close(): Promise<void>;
};

const CLOSE_GRACE_MS = 5000;

const HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

/** A sink straight on Node's response: no web stream between the frames and the socket. */
const responseSink = (res: ServerResponse): SseSink => ({
  write: (bytes) =>
    new Promise((resolve, reject) => {
      if (res.destroyed || res.writableEnded) return reject(new Error('the client is gone'));
      if (res.write(bytes)) return resolve();
      const taken = () => {
        res.off('drain', taken);
        res.off('close', taken);
        resolve();
      };
      res.on('drain', taken);
      res.on('close', taken);
    }),
  onAbort: (listener) => void res.once('close', listener),
  close: () => {
    res.end();
    // A client that stopped reading never takes the end: let it go rather than hold its socket.
    const timer = setTimeout(() => res.destroy(), CLOSE_GRACE_MS).unref();
    res.once('close', () => clearTimeout(timer));
    return Promise.resolve();
  },
});

/**
 * Answers with an event stream that `send` writes. Served by Node, the frames go straight to
 * its response: a thousand clients written ten times a second cost more through web streams
 * (a transform stream and a reader per client, promises per chunk) than the writes themselves.
 * Without Node's response (`app.request` in tests), Hono's SSE helper does the same.
 */
export const streamEvents = (
  c: Context,
  send: (sink: SseSink) => Promise<void>,
): Response | Promise<Response> => {
  const env = c.env as { outgoing?: unknown } | undefined;
  const outgoing =
    env?.outgoing instanceof ServerResponse ? (env.outgoing as ServerResponse) : undefined;
  if (outgoing === undefined)
    return streamSSE(c, (stream) =>
      send({
        write: async (bytes) => void (await stream.write(bytes)),
        onAbort: (listener) => stream.onAbort(listener),
        close: () => stream.close(),
      }),
    );
  outgoing.writeHead(200, HEADERS);
  outgoing.flushHeaders();
  const sink = responseSink(outgoing);
  void send(sink)
    .catch(() => outgoing.destroy())
    .finally(() => void (outgoing.writableEnded || sink.close()));
  return RESPONSE_ALREADY_SENT;
};
