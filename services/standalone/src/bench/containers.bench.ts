// `npm run bench -- containers`: 20 replicas of the test image on the local Docker engine, from
// the request to all 20 running, three ways in one run: Berth (standalone, its HTTP API), raw
// `docker run -d` (8 at a time), and Docker swarm mode (`docker service create`); median of 3.
// BERTH_BENCH_ONLY=berth,docker,swarm (any subset) runs only those measurements.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { spawnBerth } from '@berth/testkit/berth-process';

const REPLICAS = 20;
const RUNS = 3;
const RAW_CONCURRENCY = 8;
const POLL_MS = 20;
const IMAGE = 'berth/busybox:test';
const CMD = ['sleep', '3600'];
const DOCKER_SOCKET = '/var/run/docker.sock';
const START_LIMIT_MS = 120_000;
const REMOVE_LIMIT_MS = 60_000;

const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const KINDS = ['berth', 'docker', 'swarm'] as const;
type Kind = (typeof KINDS)[number];
const only = (process.env.BERTH_BENCH_ONLY ?? '').split(',').filter((k) => k !== '');
const unknownKind = only.find((k) => !(KINDS as readonly string[]).includes(k));
if (unknownKind !== undefined) {
  console.error(`BERTH_BENCH_ONLY: unknown measurement ${unknownKind} (berth, docker, swarm)`);
  process.exit(2);
}
const enabled = (kind: Kind) => only.length === 0 || only.includes(kind);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;
const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;
const row = (what: string, value: string) => console.log(`${what.padEnd(58)} ${value}`);

/** The docker CLI, killed after `timeoutMs`; resolves stdout, rejects with its stderr. */
const docker = (args: string[], timeoutMs = 60_000) =>
  new Promise<string>((resolve, reject) => {
    execFile(
      'docker',
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout.trim());
        else
          reject(
            new Error(`docker ${args.slice(0, 3).join(' ')}: ${stderr.trim() || error.message}`),
          );
      },
    );
  });

/** One GET on the local Docker API (lighter than a CLI process for polling). */
const dockerApi = <T>(path: string) =>
  new Promise<T>((resolve, reject) => {
    const req = request({ socketPath: DOCKER_SOCKET, path, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        if (res.statusCode === 200) resolve(JSON.parse(body) as T);
        else reject(new Error(`docker API ${path}: ${res.statusCode} ${body.trim()}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`docker API ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });

const containersLabelled = async (label: string) =>
  (await docker(['ps', '-aq', '--filter', `label=${label}`])).split('\n').filter((id) => id !== '');

/**
 * Waits (bounded) until no container carries `label`; then force-removes what is left and
 * returns how many that was (0 = they went away by themselves).
 */
const awaitGone = async (label: string, limitMs = REMOVE_LIMIT_MS) => {
  const deadline = Date.now() + limitMs;
  let left = await containersLabelled(label);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(200);
    left = await containersLabelled(label);
  }
  if (left.length > 0) await docker(['rm', '-f', ...left], 120_000);
  return left.length;
};

const removeLabelled = async (label: string) => {
  const ids = await containersLabelled(label);
  if (ids.length > 0) await docker(['rm', '-f', ...ids], 120_000);
  return ids.length;
};

// --- Raw docker ------------------------------------------------------------------------------
const rawLabel = `berth.bench=${runId}`;

const measureRaw = async () => {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < REPLICAS) {
      next += 1;
      await docker(['run', '-d', '--label', rawLabel, IMAGE, ...CMD]);
    }
  };
  await Promise.all(Array.from({ length: RAW_CONCURRENCY }, worker));
  const elapsed = performance.now() - started;
  const running = await docker(['ps', '-q', '--filter', `label=${rawLabel}`]);
  const count = running.split('\n').filter((id) => id !== '').length;
  if (count !== REPLICAS) throw new Error(`raw docker: ${count} of ${REPLICAS} running`);
  await removeLabelled(rawLabel);
  return { ms: elapsed };
};

// --- Swarm mode -------------------------------------------------------------------------------
let swarmInitializedByUs = false;
/** Swarm creates this bridge with its first task and `swarm leave` keeps it: ours if new. */
let gwbridgeWasThere = true;
const GWBRIDGE = 'docker_gwbridge';
const networkExists = (name: string) =>
  docker(['network', 'inspect', name]).then(
    () => true,
    () => false,
  );
const swarmServices = new Set<string>();

/** Makes this engine a swarm manager if it is none; a reason when that is not possible. */
const prepareSwarm = async (): Promise<string | undefined> => {
  try {
    const state = await docker(['info', '--format', '{{.Swarm.LocalNodeState}}']);
    if (state === 'active') {
      const manager = await docker(['info', '--format', '{{.Swarm.ControlAvailable}}']);
      return manager === 'true' ? undefined : 'this engine is a swarm worker, not a manager';
    }
    if (state !== 'inactive') return `swarm is in state "${state}"`;
    gwbridgeWasThere = await networkExists(GWBRIDGE);
    await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1'], 60_000);
    swarmInitializedByUs = true;
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

type Task = { Status: { State: string; Err?: string }; DesiredState: string };

const measureSwarm = async (run: number) => {
  const name = `berth-bench-${runId}-${run}`;
  const filters = encodeURIComponent(JSON.stringify({ service: [name] }));
  const tasks = () => dockerApi<Task[]>(`/tasks?filters=${filters}`).catch(() => [] as Task[]);
  swarmServices.add(name);
  const started = performance.now();
  const create = docker(
    [
      'service',
      'create',
      '--detach=false',
      '--quiet',
      '--no-resolve-image',
      // `sleep` ignores SIGTERM; without this, removal waits out the 10 s default per task.
      '--stop-grace-period',
      '1s',
      '--replicas',
      String(REPLICAS),
      '--name',
      name,
      '--label',
      rawLabel,
      '--container-label',
      rawLabel,
      IMAGE,
      ...CMD,
    ],
    START_LIMIT_MS,
  );
  // Meanwhile, when all tasks are running (the CLI then still waits to call them stable).
  let createDone = false;
  const watch = (async () => {
    while (!createDone && performance.now() - started < START_LIMIT_MS) {
      const running = (await tasks()).filter((t) => t.Status.State === 'running').length;
      if (running >= REPLICAS) return performance.now() - started;
      await sleep(POLL_MS);
    }
    return undefined;
  })();
  try {
    await create;
  } finally {
    createDone = true;
  }
  const converged = performance.now() - started;
  const allRunning = (await watch) ?? converged;

  const states = await docker([
    'service',
    'ps',
    name,
    '--filter',
    'desired-state=running',
    '--format',
    '{{.CurrentState}}',
  ]);
  const running = states.split('\n').filter((s) => s.startsWith('Running')).length;
  if (running !== REPLICAS) throw new Error(`swarm: ${running} of ${REPLICAS} tasks Running`);

  await docker(['service', 'rm', name]);
  const forced = await awaitGone(`com.docker.swarm.service.name=${name}`);
  swarmServices.delete(name);
  return { ms: converged, allRunningMs: allRunning, forced };
};

const cleanupSwarm = async () => {
  for (const name of swarmServices) {
    await docker(['service', 'rm', name]).catch(() => undefined);
    await awaitGone(`com.docker.swarm.service.name=${name}`, 20_000).catch(() => undefined);
  }
  swarmServices.clear();
  if (swarmInitializedByUs) {
    await docker(['swarm', 'leave', '--force'], 60_000);
    swarmInitializedByUs = false;
  }
  if (!gwbridgeWasThere && (await networkExists(GWBRIDGE))) {
    await docker(['network', 'rm', GWBRIDGE]);
    gwbridgeWasThere = true;
  }
};

// --- Berth ------------------------------------------------------------------------------------
type Container = { id: string; state: string; reason?: string };
type Engine = { id: string; health: { status: string } };

type Berth = {
  url: string;
  token: string;
  stop: () => Promise<string | undefined>;
  output: () => string;
};
let berth: Berth | undefined;
const berthGroups = new Set<string>();

/** The standalone Berth (what `npm start` runs) on a free port with its own data directory. */
const startBerth = async (): Promise<Berth> => {
  const password = randomBytes(18).toString('base64url');
  const spawned = await spawnBerth({
    BERTH_LOCAL_ENGINE: 'auto',
    BERTH_ADMIN_USER: 'admin',
    BERTH_ADMIN_PASSWORD: password,
  });
  const process_: Berth = {
    url: spawned.url,
    token: '',
    output: () => spawned.output().slice(-4000),
    stop: async () => (await spawned.stop(), undefined),
  };
  berth = process_;
  const failed = (what: string) =>
    new Error(`${what}\n--- Berth output (tail) ---\n${process_.output().trim()}`);
  if (spawned.statuses.at(-1) !== 200) throw failed('Berth: /healthz not 200 within 30 s');
  const login = await fetch(`${process_.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
    signal: AbortSignal.timeout(10_000),
  });
  if (login.status !== 200) throw failed(`Berth: login answered ${login.status}`);
  process_.token = ((await login.json()) as { token: string }).token;

  const engineDeadline = Date.now() + 30_000;
  for (;;) {
    const engines = await api<Engine[]>('GET', '/api/engines');
    if (engines.some((e) => e.id === 'local' && e.health.status === 'healthy')) break;
    if (Date.now() > engineDeadline)
      throw failed(`Berth: engine local not healthy within 30 s: ${JSON.stringify(engines)}`);
    await sleep(100);
  }
  return process_;
};

/** One authenticated JSON call to the running Berth; a non-2xx status throws with its body. */
const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  if (berth === undefined) throw new Error('Berth is not running');
  const response = await fetch(`${berth.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${berth.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Berth: ${method} ${path} answered ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
};

const measureBerth = async () => {
  const spec = { image: IMAGE, cmd: CMD, cpus: 0.05, memory: 16 };
  const started = performance.now();
  const accepted = await api<{ group: string; containers: string[] }>(
    'POST',
    `/api/containers?count=${REPLICAS}`,
    spec,
  );
  const acceptedMs = performance.now() - started;
  const { group } = accepted;
  if (group === '') throw new Error(`Berth: no group in ${JSON.stringify(accepted)}`);
  berthGroups.add(group);
  let elapsed: number | undefined;
  let seen: Container[] = [];
  while (performance.now() - started < START_LIMIT_MS) {
    seen = await api<Container[]>('GET', `/api/containers?group=${group}&all=true`);
    const failed = seen.find((c) => c.state === 'failed');
    if (failed !== undefined)
      throw new Error(`Berth: replica ${failed.id} failed: ${failed.reason ?? '(no reason)'}`);
    if (seen.filter((c) => c.state === 'running').length >= REPLICAS) {
      elapsed = performance.now() - started;
      break;
    }
    await sleep(POLL_MS);
  }
  if (elapsed === undefined) {
    const states = seen.map((c) => c.state).join(', ');
    throw new Error(`Berth: not all ${REPLICAS} running within ${START_LIMIT_MS} ms: ${states}`);
  }

  await api('POST', `/api/groups/${group}/scale?count=0`);
  const forced = await awaitGone(`berth.group=${group}`);
  berthGroups.delete(group);
  return { ms: elapsed, acceptedMs, forced };
};

const cleanupBerth = async () => {
  const notes: string[] = [];
  if (berth !== undefined) {
    const note = await berth.stop();
    if (note !== undefined) notes.push(note);
    berth = undefined;
  }
  // Berth is stopped, so nothing replaces what is removed here.
  for (const group of berthGroups) {
    const removed = await removeLabelled(`berth.group=${group}`).catch(() => 0);
    if (removed > 0) notes.push(`force-removed ${removed} containers of Berth group ${group}`);
  }
  berthGroups.clear();
  return notes;
};

// --- Cleanup on any exit path -----------------------------------------------------------------
let cleaning: Promise<void> | undefined;
const cleanup = () =>
  (cleaning ??= (async () => {
    const steps: [string, () => Promise<unknown>][] = [
      ['Berth', async () => (await cleanupBerth()).forEach((n) => console.log(`cleanup: ${n}`))],
      ['raw docker', () => removeLabelled(rawLabel)],
      ['swarm', cleanupSwarm],
    ];
    for (const [what, step] of steps) {
      await step().catch((error: unknown) =>
        console.error(`cleanup of ${what} failed: ${(error as Error).message}`),
      );
    }
  })());

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// --- The run ----------------------------------------------------------------------------------
type Result = { ms: number; acceptedMs?: number; allRunningMs?: number; forced?: number };
const results: Record<Kind, Result[]> = { berth: [], docker: [], swarm: [] };
const notes: string[] = [];
let swarmSkipped: string | undefined;

console.log(
  `\nContainers: ${REPLICAS} × ${IMAGE} \`${CMD.join(' ')}\` on the local Docker engine, median of ${RUNS} runs (run id ${runId})`,
);
try {
  if (enabled('berth')) await startBerth();
  if (enabled('swarm')) swarmSkipped = await prepareSwarm();
  else swarmSkipped = 'not selected (BERTH_BENCH_ONLY)';

  const measure: Record<Kind, (run: number) => Promise<Result>> = {
    berth: measureBerth,
    docker: measureRaw,
    swarm: measureSwarm,
  };
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 === 0 ? KINDS : [...KINDS].reverse();
    const line: string[] = [];
    for (const kind of order) {
      if (!enabled(kind) || (kind === 'swarm' && swarmSkipped !== undefined)) continue;
      try {
        const result = await measure[kind](run);
        results[kind].push(result);
        line.push(`${kind} ${ms(result.ms)}`);
        if ((result.forced ?? 0) > 0)
          notes.push(
            `run ${run + 1}: ${kind} left ${result.forced} containers after ${REMOVE_LIMIT_MS / 1000} s; force-removed with docker rm -f`,
          );
      } catch (error) {
        if (kind !== 'swarm') throw error;
        swarmSkipped = (error as Error).message;
        await cleanupSwarm().catch(() => undefined);
      }
    }
    console.log(`run ${run + 1}: ${line.join(' · ')}`);
  }
} catch (error) {
  if (!interrupted) console.error(`\ncontainers bench failed: ${(error as Error).message}`);
  await cleanup();
  process.exit(interrupted ? 130 : 1);
}
await cleanup();

const medianOf = (kind: Kind, pick: (r: Result) => number | undefined = (r) => r.ms) => {
  const values = results[kind].map(pick).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : median(values);
};
const berthMs = medianOf('berth');
const rawMs = medianOf('docker');
const swarmMs = medianOf('swarm');
const swarmRunningMs = medianOf('swarm', (r) => r.allRunningMs);
const show = (value: number | undefined, extra = '') =>
  value === undefined ? 'not measured' : `${ms(value)}${extra}`;
const ratio = (
  what: string,
  a: number | undefined,
  b: number | undefined,
  ok: (r: number) => boolean,
  target: string,
) =>
  row(
    what,
    a === undefined || b === undefined
      ? `not measured  (target ${target})`
      : `${(a / b).toFixed(2)}  ${ok(a / b) ? '✓' : '✗'} target ${target}`,
  );

console.log();
const acceptedMs = medianOf('berth', (r) => r.acceptedMs);
row(
  'Berth: POST /api/containers → all running (polled 20 ms)',
  show(berthMs, acceptedMs === undefined ? '' : `  (202 after ${ms(acceptedMs)})`),
);
row(`raw docker: ${REPLICAS} × docker run -d, ${RAW_CONCURRENCY} at a time`, show(rawMs));
row('swarm: docker service create --detach=false (converged)', show(swarmMs));
row('swarm: same, until all tasks running (Docker API polled)', show(swarmRunningMs));
if (swarmSkipped !== undefined && enabled('swarm')) row('swarm not measured', swarmSkipped);
ratio('Berth / raw docker', berthMs, rawMs, (r) => r <= 1.3, '≤ 1.3');
ratio('Berth / swarm converged', berthMs, swarmMs, (r) => r < 1, '< 1');
ratio(
  'Berth / swarm all tasks running (no stability wait)',
  berthMs,
  swarmRunningMs,
  (r) => r < 1,
  '< 1',
);
for (const note of notes) console.log(`note: ${note}`);
