import { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { GzipStream, SharedBytes, acceptsGzip } from './shared-gzip.js';

/** Where a server-sent event stream writes its bytes. */
export type SseSink = {
  /**
   * `true` when the bytes were taken at once (the common case, which then costs no promise);
   * else a promise that resolves when the client's socket drains.
   */
  write(chunk: SharedBytes | string): true | Promise<void>;
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

const sharedOf = (chunk: SharedBytes | string) =>
  typeof chunk === 'string' ? new SharedBytes(Buffer.from(chunk)) : chunk;
const plainOf = (chunk: SharedBytes | string) => (typeof chunk === 'string' ? chunk : chunk.bytes);

/**
 * A sink straight on Node's response: no web stream between the frames and the socket.
 * Given a gzip stream, it sends each chunk's shared compressed form.
 */
const responseSink = (res: ServerResponse, gzip: GzipStream | undefined): SseSink => ({
  write: (chunk) => {
    if (res.destroyed || res.writableEnded) return Promise.reject(new Error('the client is gone'));
    const bytes = gzip === undefined ? plainOf(chunk) : gzip.next(sharedOf(chunk).gzipped);
    if (res.write(bytes)) return true;
    return new Promise((resolve) => {
      const taken = () => {
        res.off('drain', taken);
        res.off('close', taken);
        resolve();
      };
      res.on('drain', taken);
      res.on('close', taken);
    });
  },
  onAbort: (listener) => void res.once('close', listener),
  close: () => {
    if (!res.destroyed) res.end(gzip?.end());
    // A client that stopped reading never takes the end: let it go rather than hold its socket.
    const timer = setTimeout(() => res.destroy(), CLOSE_GRACE_MS).unref();
    res.once('close', () => clearTimeout(timer));
    return Promise.resolve();
  },
});

/**
 * Answers with an event stream that `send` writes. Served by Node, the frames go straight to
 * its response: a thousand clients written at every flush cost more through web streams
 * (a transform stream and a reader per client, promises per chunk) than the writes themselves.
 * A client that accepts gzip gets it, compressed once for all such clients (`SharedBytes`):
 * a thousand clients then cost the socket writes a fraction of the bytes.
 * Without Node's response (`app.request` in tests), Hono's SSE helper does the same, uncompressed.
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
        write: async (chunk) => void (await stream.write(plainOf(chunk))),
        onAbort: (listener) => stream.onAbort(listener),
        close: () => stream.close(),
      }),
    );
  const gzip = acceptsGzip(c.req.header('accept-encoding')) ? new GzipStream() : undefined;
  outgoing.writeHead(200, {
    ...HEADERS,
    vary: 'accept-encoding',
    ...(gzip === undefined ? {} : { 'content-encoding': 'gzip' }),
  });
  if (gzip === undefined) outgoing.flushHeaders();
  else outgoing.write(gzip.header);
  const sink = responseSink(outgoing, gzip);
  void send(sink)
    .catch(() => outgoing.destroy())
    .finally(() => void (outgoing.writableEnded || sink.close()));
  return RESPONSE_ALREADY_SENT;
};
