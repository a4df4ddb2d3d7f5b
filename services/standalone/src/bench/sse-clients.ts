// A worker thread of the change-streams bench: CLIENTS clients following /api/events/stream,
// on an event loop of their own, as clients on other machines would be: their reading must not
// slow the bench's own command timing. Counts the events they receive (`id:` lines).
import { setMaxListeners } from 'node:events';
import { get } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, token, clients } = workerData as { url: string; token: string; clients: number };
const streams = new AbortController();
setMaxListeners(0, streams.signal); // one listener per client
let received = 0;
const ID_LINE = Buffer.from('\nid: ');

const countIds = (bytes: Buffer) => {
  // A frame starts with `id:`; after the first, each follows a blank line's newline.
  if (bytes.subarray(0, 4).toString() === 'id: ') received++;
  for (let at = bytes.indexOf(ID_LINE); at !== -1; at = bytes.indexOf(ID_LINE, at + 1)) received++;
};

// node:http rather than fetch: its web streams would cost the clients more than Berth.
const attach = () =>
  new Promise<void>((resolve, reject) => {
    const req = get(
      `${url}/api/events/stream`,
      { headers: { authorization: `Bearer ${token}` }, signal: streams.signal, agent: false },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream: ${res.statusCode}`));
        res.on('data', countIds);
        res.on('error', () => undefined);
        resolve();
      },
    );
    req.on('error', (error) => (streams.signal.aborted ? undefined : reject(error)));
  });

for (let i = 0; i < clients; i += 50)
  await Promise.all(Array.from({ length: Math.min(50, clients - i) }, attach));
parentPort?.postMessage({ attached: true });
parentPort?.on('message', (message: string) => {
  if (message === 'count') parentPort?.postMessage({ received });
  if (message === 'stop') {
    streams.abort();
    parentPort?.close();
  }
});
