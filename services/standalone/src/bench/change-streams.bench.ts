// `npm run bench -- change-streams`: command latency of one-machine Berth (50 concurrent runs of
// one replica on hollow engines, median of 3 rounds) with no SSE client attached (the baseline)
// and then with CLIENTS clients following /api/events/stream (on a worker thread, as clients on
// other machines: their reading must not slow the timing itself). Target: under 1.5× the baseline.
// BERTH_STREAM_CLIENTS=200 tries fewer clients.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { startHollowEngines, type HollowEngines } from '@berth/hollow-engines';
import { spawnBerth, type BerthProcess } from '@berth/testkit/berth-process';

const CLIENTS = Number(process.env.BERTH_STREAM_CLIENTS ?? 1000);
const RUNS = 50;
const ROUNDS = 3;
const ENGINES = 10;
const TARGET_RATIO = 1.5;

let berth: BerthProcess | undefined;
let hollow: HollowEngines | undefined;
let token = '';
let clients: Awaited<ReturnType<typeof startClients>> | undefined;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${berth?.url ?? ''}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as unknown;
};

/** Wall time of RUNS concurrent runs (each answered 202), median over ROUNDS. */
const commandLatency = async () => {
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: RUNS }, () =>
        call('POST', '/api/containers?count=1', { image: 'berth/busybox:test', cpus: 0.01 }),
      ),
    );
    rounds.push(performance.now() - started);
  }
  return median(rounds);
};

/** The clients, on a worker thread of their own; resolves once all are attached. */
const startClients = async (url: string) => {
  const worker = new Worker(new URL('./sse-clients.js', import.meta.url), {
    workerData: { url, token, clients: CLIENTS },
  });
  const next = () =>
    new Promise<{ attached?: boolean; received?: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  await next();
  return {
    received: async () => {
      const answer = next();
      worker.postMessage('count');
      return (await answer).received ?? 0;
    },
    stop: async () => (worker.postMessage('stop'), await worker.terminate()),
  };
};

try {
  hollow = await startHollowEngines(ENGINES, { latencyMs: 3 });
  const password = randomBytes(18).toString('base64url');
  // A generous probe timeout: on a loaded machine a slow answer is not a lost engine.
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: password, BERTH_HEARTBEAT_TIMEOUT_MS: '3000' });
  if (berth.statuses.at(-1) !== 200) throw new Error('Berth: /healthz not 200 within 30 s');
  token = (
    (await call('POST', '/auth/login', { username: 'admin', password })) as { token: string }
  ).token;
  for (const [i, addr] of hollow.addrs.entries())
    await call('POST', '/api/engines', {
      id: `hollow-${i}`,
      addr,
      cpus: 64,
      memory: 262_144,
      labels: [],
    });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const engines = (await call('GET', '/api/engines')) as { health: { status: string } }[];
    if (engines.filter((e) => e.health.status === 'healthy').length === ENGINES) break;
    if (Date.now() > deadline) throw new Error('engines not healthy within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await commandLatency(); // warm-up

  const baseline = await commandLatency();
  const attachStarted = performance.now();
  clients = await startClients(berth.url);
  const attachMs = performance.now() - attachStarted;
  const before = await clients.received();
  const withClients = await commandLatency();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const delivered = (await clients.received()) - before;
  const ratio = withClients / baseline;
  const row = (what: string, value: string) => console.log(`${what.padEnd(52)} ${value}`);
  row(`${RUNS} concurrent runs, no SSE client (baseline)`, `${Math.round(baseline)} ms`);
  row(`${RUNS} concurrent runs, ${CLIENTS} SSE clients attached`, `${Math.round(withClients)} ms`);
  row(`${CLIENTS} clients attached in`, `${Math.round(attachMs)} ms`);
  row('events delivered to the clients meanwhile', String(delivered));
  console.log(
    `ratio: ${ratio.toFixed(2)}× the baseline (${ratio < TARGET_RATIO ? 'ok' : 'MISS'}: target < ${TARGET_RATIO}×)`,
  );
} catch (error) {
  console.error(`change-streams bench failed: ${(error as Error).message}`);
  console.error(berth?.output().slice(-3000) ?? '');
  process.exitCode = 1;
} finally {
  await clients?.stop();
  await berth?.stop();
  await hollow?.stop();
}
