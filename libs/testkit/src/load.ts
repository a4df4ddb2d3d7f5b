import { request } from 'node:http';

export type Outcome = { status: number; body: string };

/** One GET to a local proxy with a Host header: the status and body, or the error's message. */
export const viaProxy = (port: number, host: string, path = '/') =>
  new Promise<Outcome>((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { host }, agent: false, timeout: 5000 },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
        res.on('error', (e) => resolve({ status: 0, body: e.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    req.end();
  });

/**
 * Paced load while `during` runs: `perSecond` requests a second from 1 s before until 1 s after
 * (at most `max`, so the loop is bounded in count and time); every outcome, with when it was sent
 * and how long its answer took.
 */
export const underLoad = async (
  send: () => Promise<Outcome>,
  during: () => Promise<void>,
  { perSecond = 50, max = 1500 } = {},
) => {
  let stop = false;
  const outcomes: (Outcome & { sentAt: number; tookMs: number })[] = [];
  const load = (async () => {
    const started = Date.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; !stop && i < max; i++) {
      const sentAt = Date.now();
      pending.push(
        send().then((o) => void outcomes.push({ ...o, sentAt, tookMs: Date.now() - sentAt })),
      );
      const due = started + ((i + 1) * 1000) / perSecond;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    }
    await Promise.all(pending);
  })();
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await during();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    stop = true;
    await load;
  }
  return outcomes;
};
