// A worker thread of the change-streams bench: CLIENTS clients following /api/events/stream,
// on an event loop of their own, as clients on other machines would be: their reading must not
// slow the bench's own command timing. Every client takes every byte Berth sends it; one in
// CHECK_EVERY also reads each frame (inflating it first when the stream is gzip) and checks
// that no position is missing or out of order. The rest leave their bytes unread, as their
// parsing would be other machines' work, not this one's.
import { setMaxListeners } from 'node:events';
import { get } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { parentPort, workerData } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';

const { url, token, clients, gzip } = workerData as {
  url: string;
  token: string;
  clients: number;
  gzip: boolean;
};
const CHECK_EVERY = 100;
const streams = new AbortController();
setMaxListeners(0, streams.signal); // one listener per client

let bytesTaken = 0;
/** Per checked client: the positions it read, and how many came out of order. */
const checked: { received: number; disorder: number }[] = [];

/** Reads every frame of a checked client's (inflated) stream. */
const frameReader = (tally: { received: number; disorder: number }) => {
  const text = new StringDecoder('utf8');
  let pending = '';
  let newest: number | undefined;
  return (bytes: Buffer) => {
    const frames = (pending + text.write(bytes)).split('\n\n');
    pending = frames.pop() ?? '';
    for (const frame of frames) {
      const id = /^id: (\d+)$/m.exec(frame)?.[1];
      if (id === undefined) continue;
      if (newest !== undefined && Number(id) !== newest + 1) tally.disorder++;
      newest = Number(id);
      tally.received++;
    }
  };
};

// node:http rather than fetch: its web streams would cost the clients more than Berth.
const attach = (index: number) =>
  new Promise<void>((resolve, reject) => {
    const req = get(
      `${url}/api/events/stream`,
      {
        headers: {
          authorization: `Bearer ${token}`,
          'accept-encoding': gzip ? 'gzip' : 'identity',
        },
        signal: streams.signal,
        agent: false,
      },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream: ${res.statusCode}`));
        if ((res.headers['content-encoding'] === 'gzip') !== gzip)
          return reject(new Error(`stream: content-encoding ${res.headers['content-encoding']}`));
        res.on('data', (bytes: Buffer) => (bytesTaken += bytes.length));
        res.on('error', () => undefined);
        if (index % CHECK_EVERY === 0) {
          const tally = { received: 0, disorder: 0 };
          checked.push(tally);
          const read = frameReader(tally);
          if (gzip)
            res
              .pipe(createGunzip())
              .on('data', read)
              .on('error', () => tally.disorder++);
          else res.on('data', read);
        }
        resolve();
      },
    );
    req.on('error', (error) => (streams.signal.aborted ? undefined : reject(error)));
  });

for (let i = 0; i < clients; i += 50)
  await Promise.all(Array.from({ length: Math.min(50, clients - i) }, (_, j) => attach(i + j)));
parentPort?.postMessage({ attached: true });
parentPort?.on('message', (message: string) => {
  if (message === 'count')
    parentPort?.postMessage({
      bytesTaken,
      received: checked.reduce((sum, c) => sum + c.received, 0) / checked.length,
      disorder: checked.reduce((sum, c) => sum + c.disorder, 0),
    });
  if (message === 'stop') {
    streams.abort();
    parentPort?.close();
  }
});
