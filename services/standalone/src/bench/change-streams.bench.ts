// `npm run bench -- change-streams`: command latency of one-machine Berth under a steady load
// (runs of one replica on hollow engines, 50 in flight for 5 s, each answered 202), with no SSE
// client attached (the baseline) and then with CLIENTS clients following /api/events/stream,
// first taking gzip as browsers do, then uncompressed. The clients run on a worker thread, as
// clients on other machines: their reading must not slow the timing itself. A steady load
// rather than short bursts, so the fan-out's writes, which come every flush, fall inside the
// measure; the mean rather than the median, which would hide the stalls they cause.
// Target: under 1.5× the baseline. BERTH_STREAM_CLIENTS=200 tries fewer clients.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { startHollowEngines, type HollowEngines } from '@berth/hollow-engines';
import { spawnBerth, type BerthProcess } from '@berth/testkit/berth-process';

const CLIENTS = Number(process.env.BERTH_STREAM_CLIENTS ?? 1000);
const IN_FLIGHT = 50;
const LOAD_MS = 5000;
/** Bounds the load's count as LOAD_MS bounds its time. */
const MAX_RUNS = 20_000;
const ENGINES = 10;
const TARGET_RATIO = 1.5;

let berth: BerthProcess | undefined;
let hollow: HollowEngines | undefined;
let token = '';
let clients: Awaited<ReturnType<typeof startClients>> | undefined;

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ??
  NaN;

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

/** IN_FLIGHT runs at all times for LOAD_MS: the latency of a run, and runs per second. */
const steadyLoad = async (loadMs = LOAD_MS) => {
  const latencies: number[] = [];
  const started = performance.now();
  const worker = async () => {
    while (performance.now() - started < loadMs && latencies.length < MAX_RUNS) {
      const sent = performance.now();
      await call('POST', '/api/containers?count=1', { image: 'berth/busybox:test', cpus: 0.01 });
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    mean: latencies.reduce((sum, ms) => sum + ms, 0) / latencies.length,
    median: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    perSecond: latencies.length / seconds,
  };
};

/** The clients, on a worker thread of their own; resolves once all are attached. */
const startClients = async (url: string, gzip: boolean) => {
  const worker = new Worker(new URL('./sse-clients.js', import.meta.url), {
    workerData: { url, token, clients: CLIENTS, gzip },
  });
  type Tally = { bytesTaken: number; received: number; disorder: number };
  const next = () =>
    new Promise<Partial<Tally>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  await next();
  return {
    /** Bytes all clients took; events each checked one read, and positions it found amiss. */
    tally: async (): Promise<Tally> => {
      const answer = next();
      worker.postMessage('count');
      const { bytesTaken = 0, received = 0, disorder = 0 } = await answer;
      return { bytesTaken, received, disorder };
    },
    stop: async () => (worker.postMessage('stop'), await worker.terminate()),
  };
};

const row = (what: string, value: string) => console.log(`${what.padEnd(58)} ${value}`);
const load = (at: Awaited<ReturnType<typeof steadyLoad>>) =>
  `mean ${at.mean.toFixed(1)} ms, median ${at.median.toFixed(1)}, p99 ${at.p99.toFixed(1)}; ${Math.round(at.perSecond)} runs/s`;

/** The steady load with CLIENTS clients attached, taking gzip or not; prints what it saw. */
const withClients = async (gzip: boolean, baseline: Awaited<ReturnType<typeof steadyLoad>>) => {
  const how = gzip ? 'gzip' : 'uncompressed';
  const attachStarted = performance.now();
  clients = await startClients(berth?.url ?? '', gzip);
  const attachMs = performance.now() - attachStarted;
  const before = await clients.tally();
  const loaded = await steadyLoad();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await clients.tally();
  await clients.stop();
  clients = undefined;
  const ratio = loaded.mean / baseline.mean;
  row(`${IN_FLIGHT} runs in flight, ${CLIENTS} ${how} SSE clients attached`, load(loaded));
  row(`  ${CLIENTS} clients attached in`, `${Math.round(attachMs)} ms`);
  row(
    '  bytes the clients took meanwhile',
    `${((after.bytesTaken - before.bytesTaken) / 1e6).toFixed(0)} MB`,
  );
  row('  events each checked client read meanwhile', String(after.received - before.received));
  row('  positions missing or out of order (checked clients)', String(after.disorder));
  if (after.disorder > 0 || after.received === before.received) process.exitCode = 1;
  console.log(
    `  ratio, ${how} clients: ${ratio.toFixed(2)}× the baseline (${ratio < TARGET_RATIO ? 'ok' : 'MISS'}: target < ${TARGET_RATIO}×)`,
  );
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
  await steadyLoad(1000); // warm-up

  const baseline = await steadyLoad();
  row(`${IN_FLIGHT} runs in flight, no SSE client (baseline)`, load(baseline));
  await withClients(true, baseline); // as browsers ask
  await withClients(false, baseline);
} catch (error) {
  console.error(`change-streams bench failed: ${(error as Error).message}`);
  console.error(berth?.output().slice(-3000) ?? '');
  process.exitCode = 1;
} finally {
  await clients?.stop();
  await berth?.stop();
  await hollow?.stop();
}
