// `npm run bench -- scale`: one-machine Berth driving hollow engines (in-memory Docker APIs on
// loopback, served by this bench process): ENGINES engines added, then REPLICAS replicas in RUNS
// concurrent runs, then every group scaled to 0. Prints time, containers/s, the control plane's
// CPU seconds and peak RSS, the heartbeat's CPU while idle, projection lag and the log's size.
// Also REJECTED concurrent runs no engine has room for (the command path alone), as commands/s,
// and BURST concurrent runs of one replica (the time until all are answered, median of three).
// All of it on the SQLite store, then again on RethinkDB when BERTH_RETHINKDB_URL is set, with
// the burst's ratio.
// Smaller sizes: BERTH_SCALE_ENGINES=100 BERTH_SCALE_REPLICAS=1000 BERTH_SCALE_RUNS=10.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { r } from 'rethinkdb-ts';
import { newId } from '@berth/ids';
import {
  chainKey,
  openRethinkEventLog,
  openSqliteEventLog,
  parseRethinkUrl,
  type EventLog,
} from '@berth/eventlog';
import { startHollowEngines, type HollowEngines } from '@berth/hollow-engines';
import { spawnBerth, type BerthProcess } from '@berth/testkit/berth-process';
import { cpuSecondsOf } from './proc-stat.js';

const sizeFromEnv = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: a positive integer`);
  return value;
};
const ENGINES = sizeFromEnv('BERTH_SCALE_ENGINES', 1000);
const REPLICAS = sizeFromEnv('BERTH_SCALE_REPLICAS', 10_000);
const RUNS = sizeFromEnv('BERTH_SCALE_RUNS', 100);
const REJECTED = sizeFromEnv('BERTH_SCALE_REJECTED', 300);
const BURST = sizeFromEnv('BERTH_SCALE_BURST', 100);
const BURST_ROUNDS = 3;
const PER_RUN = Math.ceil(REPLICAS / RUNS);
const LATENCY_MS = 3;
const HEARTBEAT_WINDOW_MS = 10_000;
const PHASE_LIMIT_MS = 600_000;
const ADD_CONCURRENCY = 20;
const TARGET = { containersPerSecond: 1000, peakRssMb: 500, lagMs: 1000, burstRatio: 2 };
const RETHINKDB_URL = process.env.BERTH_RETHINKDB_URL ?? '';

/** Where one pass keeps its log: SQLite in Berth's data directory, or a fresh RethinkDB database. */
type Store = { name: 'SQLite' } | { name: 'RethinkDB'; url: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const row = (what: string, value: string, target = '') =>
  console.log(`${what.padEnd(46)} ${value.padStart(14)}  ${target}`);
const within = (ok: boolean, target: string) => `${ok ? 'ok  ' : 'MISS'} target ${target}`;

/** CPU seconds (user + system) and peak RSS (MB) of a process, from /proc. */
const usage = (pid: number) => {
  const cpuSeconds = cpuSecondsOf(pid);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds, peakRssMb: Number(hwm?.[1] ?? 0) / 1024 };
};

const sqliteBytes = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith('events.db'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);

/** The log the running Berth writes, opened beside it; only its head and size are read. */
const openStoreLog = async (store: Store, dataDir: string): Promise<EventLog> =>
  store.name === 'SQLite'
    ? openSqliteEventLog({ file: join(dataDir, 'events.db'), key: chainKey(randomBytes(32)) })
    : openRethinkEventLog({ ...parseRethinkUrl(store.url), key: chainKey(randomBytes(32)) });

const logSize = async (store: Store, log: EventLog, dataDir: string) =>
  store.name === 'SQLite'
    ? `${(sqliteBytes(dataDir) / 1e6).toFixed(1)} MB`
    : `${(await log.head()).toLocaleString('en-US')} events`;

let berth: BerthProcess | undefined;
let hollow: HollowEngines | undefined;
let token = '';

const ATTEMPTS = 5;

/**
 * One API call, sent as a careful client sends it: a command carries an Idempotency-Key and is
 * sent again with it (at most ATTEMPTS times) when Berth answers 5xx or not at all, so a retry
 * is the same command. How many were retried is counted for the report.
 */
let retried = 0;
const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const url = berth?.url ?? '';
  const key = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(method === 'GET' ? {} : { 'idempotency-key': key }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(120_000),
    }).catch((error: unknown) => error as Error);
    const status = res instanceof Error ? 0 : res.status;
    const text = res instanceof Error ? res.message : await res.text();
    if ((status === 0 || status >= 500) && attempt < ATTEMPTS) {
      retried++;
      await sleep(500 * attempt);
      continue;
    }
    if (status === 0 || status >= 300)
      throw new Error(`${method} ${path}: ${status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
};

const forEachBounded = async <T>(items: T[], limit: number, work: (item: T) => Promise<void>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
};

/** Polls `done` every 50 ms until it holds; fails after PHASE_LIMIT_MS. */
const until = async (what: string, done: () => boolean | Promise<boolean>) => {
  const deadline = Date.now() + PHASE_LIMIT_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${PHASE_LIMIT_MS / 1000} s`);
    await sleep(50);
  }
};

const hollowContainers = (running: boolean) =>
  (hollow?.engines ?? []).reduce(
    (sum, engine) =>
      sum + [...engine.containers.values()].filter((c) => !running || c.running).length,
    0,
  );

/** How long the read model takes to reach the log's head as it is now. */
const projectionLagMs = async (log: EventLog) => {
  const head = await log.head();
  const started = performance.now();
  await until('projection', async () => {
    const [newest] = await api<{ position: number }[]>('GET', '/api/events?count=1');
    return (newest?.position ?? 0) >= head;
  });
  return performance.now() - started;
};

/** One phase: its wall time, containers/s and the control plane's CPU over it. */
const phase = async (
  store: Store,
  log: EventLog,
  name: string,
  count: number,
  act: () => Promise<void>,
  done: () => boolean,
) => {
  const pid = berth?.child.pid ?? 0;
  const before = usage(pid);
  retried = 0;
  const started = performance.now();
  await act();
  await until(name, done);
  const seconds = (performance.now() - started) / 1000;
  const after = usage(pid);
  const lagMs = await projectionLagMs(log);
  const rate = count / seconds;
  console.log(`\n${name} (${store.name}): ${count.toLocaleString('en-US')} containers`);
  row('time until done', `${seconds.toFixed(2)} s`);
  row(
    'end to end',
    `${Math.round(rate)} containers/s`,
    within(rate >= TARGET.containersPerSecond, `≥ ${TARGET.containersPerSecond}`),
  );
  row('control plane CPU', `${(after.cpuSeconds - before.cpuSeconds).toFixed(1)} s`);
  row(
    'control plane peak RSS',
    `${Math.round(after.peakRssMb)} MB`,
    within(after.peakRssMb <= TARGET.peakRssMb, `≤ ${TARGET.peakRssMb} MB`),
  );
  row(
    'projection lag at the end',
    `${Math.round(lagMs)} ms`,
    within(lagMs <= TARGET.lagMs, `≤ ${TARGET.lagMs} ms`),
  );
  row('event log size', await logSize(store, log, berth?.dataDir ?? ''));
  row('calls sent again after a 5xx or no answer', String(retried));
  console.log(`end to end: ${Math.round(rate)} containers/s`);
};

/** Every measurement on one store; answers how long the burst of one-replica runs took. */
const benchOn = async (store: Store): Promise<number> => {
  console.log(`\n=== ${store.name}`);
  const password = randomBytes(18).toString('base64url');
  // A generous probe timeout: on a loaded machine a slow answer is not a lost engine.
  berth = await spawnBerth({
    BERTH_ADMIN_PASSWORD: password,
    BERTH_HEARTBEAT_INTERVAL_MS: '1000',
    BERTH_HEARTBEAT_TIMEOUT_MS: '3000',
    ...(store.name === 'RethinkDB'
      ? { BERTH_STORE: 'rethinkdb', BERTH_RETHINKDB_URL: store.url }
      : {}),
  });
  if (berth.statuses.at(-1) !== 200) throw new Error('Berth: /healthz not 200 within 30 s');
  token = (await api<{ token: string }>('POST', '/auth/login', { username: 'admin', password }))
    .token;
  const log = await openStoreLog(store, berth.dataDir);
  try {
    const addStarted = performance.now();
    await forEachBounded(
      [...(hollow?.addrs.entries() ?? [])],
      ADD_CONCURRENCY,
      async ([i, addr]) => {
        const id = `hollow-${String(i).padStart(4, '0')}`;
        await api('POST', '/api/engines', { id, addr, cpus: 16, memory: 65_536, labels: [] });
      },
    );
    await until('engines healthy', async () => {
      const engines = await api<{ health: { status: string } }[]>('GET', '/api/engines');
      return engines.filter((e) => e.health.status === 'healthy').length === ENGINES;
    });
    console.log(
      `${ENGINES} engines added and healthy in ${((performance.now() - addStarted) / 1000).toFixed(1)} s`,
    );

    const pid = berth.child.pid ?? 0;
    const idle = usage(pid);
    await sleep(HEARTBEAT_WINDOW_MS);
    const heartbeatCpu = usage(pid).cpuSeconds - idle.cpuSeconds;
    row(
      `heartbeat CPU, ${ENGINES} engines at 1 s (idle)`,
      `${((heartbeatCpu / HEARTBEAT_WINDOW_MS) * 1000 * 100).toFixed(1)} % of a core`,
    );

    // The command path alone: runs no engine has room for, so the scheduler appends nothing.
    const rejectStarted = performance.now();
    await Promise.all(
      Array.from({ length: REJECTED }, async () => {
        const res = await fetch(`${berth?.url ?? ''}/api/containers?count=1`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ image: 'berth/busybox:test', cpus: 1024 }),
        });
        await res.text();
        if (res.status !== 422) throw new Error(`a run too big for any engine: ${res.status}`);
      }),
    );
    const rejectSeconds = (performance.now() - rejectStarted) / 1000;
    row(
      `${REJECTED} concurrent runs rejected (no room)`,
      `${Math.round(REJECTED / rejectSeconds)} commands/s`,
    );

    // What a team does many times a day: many small runs at once, removed again before the
    // rest. One burst is a few hundred ms, which scheduling noise moves by half: the median of
    // BURST_ROUNDS is the figure.
    const rounds: number[] = [];
    for (let round = 0; round < BURST_ROUNDS; round++) {
      const burstStarted = performance.now();
      const burst = await Promise.all(
        Array.from({ length: BURST }, () =>
          api<{ group: string }>('POST', '/api/containers?count=1', {
            image: 'berth/busybox:test',
            cmd: ['sleep', '3600'],
          }),
        ),
      );
      rounds.push((performance.now() - burstStarted) / 1000);
      await Promise.all(
        burst.map(({ group }) => api('POST', `/api/groups/${group}/scale?count=0`)),
      );
      await until('burst removed', () => hollowContainers(false) === 0);
      // The next round starts on a settled cluster: every removal recorded, not still written.
      await until('burst recorded removed', async () =>
        (await api<{ state: string }[]>('GET', '/api/containers')).every(
          (c) => c.state === 'destroyed',
        ),
      );
    }
    const burstSeconds = [...rounds].sort((a, b) => a - b)[BURST_ROUNDS >> 1] ?? NaN;
    row(
      `${BURST} concurrent runs of 1 replica answered (median)`,
      `${burstSeconds.toFixed(2)} s (${rounds.map((t) => t.toFixed(2)).join(', ')})`,
    );

    const groups: string[] = [];
    await phase(
      store,
      log,
      'run',
      REPLICAS,
      async () => {
        await Promise.all(
          Array.from({ length: RUNS }, async (_, i) => {
            const count = Math.min(PER_RUN, REPLICAS - i * PER_RUN);
            if (count <= 0) return;
            const accepted = await api<{ group: string }>(
              'POST',
              `/api/containers?count=${count}`,
              { image: 'berth/busybox:test', cmd: ['sleep', '3600'] },
            );
            groups.push(accepted.group);
          }),
        );
      },
      () => hollowContainers(true) >= REPLICAS,
    );
    await phase(
      store,
      log,
      'scale to 0',
      REPLICAS,
      async () => {
        await Promise.all(groups.map((g) => api('POST', `/api/groups/${g}/scale?count=0`)));
      },
      () => hollowContainers(false) === 0,
    );
    return burstSeconds;
  } finally {
    await log.close();
    await berth.stop();
    berth = undefined;
  }
};

/** A database of its own on the server BERTH_RETHINKDB_URL names, dropped afterwards. */
const withRethinkDatabase = async <T>(work: (url: string) => Promise<T>): Promise<T> => {
  const server = parseRethinkUrl(RETHINKDB_URL);
  const db = `berth_scale_${newId().toLowerCase()}`;
  try {
    return await work(`rethinkdb://${server.host}:${server.port}/${db}`);
  } finally {
    const admin = await r.connect({ host: server.host, port: server.port, silent: true });
    await r
      .dbDrop(db)
      .run(admin)
      .catch(() => undefined);
    await admin.close();
  }
};

try {
  console.log(
    `scale: ${ENGINES} hollow engines (${LATENCY_MS} ms per Docker call), ${REPLICAS} replicas in ${RUNS} concurrent runs of ${PER_RUN}, one-machine mode`,
  );
  hollow = await startHollowEngines(ENGINES, { latencyMs: LATENCY_MS });
  const onSqlite = await benchOn({ name: 'SQLite' });
  if (RETHINKDB_URL === '') {
    console.log(
      '\nRethinkDB: skipped (set BERTH_RETHINKDB_URL=rethinkdb://host:port to measure it)',
    );
  } else {
    const onRethink = await withRethinkDatabase((url) => benchOn({ name: 'RethinkDB', url }));
    const ratio = onRethink / onSqlite;
    console.log('');
    row(
      `${BURST} runs of 1 replica, RethinkDB ÷ SQLite`,
      `${ratio.toFixed(2)}×`,
      within(ratio <= TARGET.burstRatio, `≤ ${TARGET.burstRatio}×`),
    );
  }
} catch (error) {
  console.error(`\nscale bench failed: ${(error as Error).message}`);
  console.error(berth?.output().slice(-3000) ?? '');
  process.exitCode = 1;
} finally {
  await berth?.stop();
  await hollow?.stop();
}
