// `npm run bench -- containers`: 20 replicas of the test image on the local Docker engine, from
// the request to all 20 running, three ways in one run: Berth (standalone, its HTTP API), raw
// `docker run -d` (8 at a time), and Docker swarm mode (`docker service create`); median of 3.
// BERTH_BENCH_ONLY=berth,docker,swarm (any subset) runs only those measurements.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startBerth, type BenchBerth } from './berth.js';
import { runBench } from './run-bench.js';
import {
  awaitGone,
  docker,
  dockerApi,
  REMOVE_LIMIT_MS,
  removeLabelled,
  sleep,
} from './docker-cli.js';
import {
  cleanupSwarm,
  prepareSwarm,
  removeSwarmService,
  runningTasks,
  swarmServices,
} from './swarm.js';

const REPLICAS = 20;
const RUNS = 3;
const RAW_CONCURRENCY = 8;
const POLL_MS = 20;
const IMAGE = 'berth/busybox:test';
const CMD = ['sleep', '3600'];
const START_LIMIT_MS = 120_000;

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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;
const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;
const row = (what: string, value: string) => console.log(`${what.padEnd(58)} ${value}`);

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

  const running = await runningTasks(name);
  if (running !== REPLICAS) throw new Error(`swarm: ${running} of ${REPLICAS} tasks Running`);

  const forced = await removeSwarmService(name);
  return { ms: converged, allRunningMs: allRunning, forced };
};

// --- Berth ------------------------------------------------------------------------------------
type Container = { id: string; state: string; reason?: string };
let berth: BenchBerth | undefined;
const api = <T>(method: string, path: string, body?: unknown) => {
  if (berth === undefined) throw new Error('Berth is not running');
  return berth.api<T>(method, path, body);
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
  berth?.groups.add(group);
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
  berth?.groups.delete(group);
  return { ms: elapsed, acceptedMs, forced };
};

const cleanupBerth = async () => {
  const notes = (await berth?.stop()) ?? [];
  berth = undefined;
  return notes;
};

// --- The run ----------------------------------------------------------------------------------
type Result = { ms: number; acceptedMs?: number; allRunningMs?: number; forced?: number };
const results: Record<Kind, Result[]> = { berth: [], docker: [], swarm: [] };
const notes: string[] = [];
let swarmSkipped: string | undefined;

console.log(
  `\nContainers: ${REPLICAS} × ${IMAGE} \`${CMD.join(' ')}\` on the local Docker engine, median of ${RUNS} runs (run id ${runId})`,
);
await runBench(
  'containers',
  [
    ['Berth', async () => (await cleanupBerth()).forEach((n) => console.log(`cleanup: ${n}`))],
    ['raw docker', () => removeLabelled(rawLabel)],
    ['swarm', cleanupSwarm],
  ],
  async () => {
    if (enabled('berth')) berth = await startBerth();
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
  },
);

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
