// `npm run bench -- update`: a rolling update of 20 replicas on the local Docker engine from v1 to
// v2 (two tags of the test image, so every container is recreated), 2 at a time, no health check,
// no delay: by Berth (standalone, its HTTP API) and by Docker swarm mode (`docker service
// update`) in the same run; from the request until the update is recorded complete and Docker
// runs just the 20 new containers (the last old ones stopped), median of
// BERTH_BENCH_RUNS (3). Both sides take the same BERTH_BENCH_ORDER (stop-first, swarm's default;
// or start-first) and monitor window, BERTH_BENCH_MONITOR seconds (0; Berth: each new replica's
// window before the next step; swarm: once, after the last task).
// Berth's stop-first releases old replicas and places their successors in one step; swarm starts
// a successor once its predecessor has shut down.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startBerth, type BenchBerth } from './berth.js';
import { runBench } from './run-bench.js';
import { awaitGone, docker, dockerApi, runningImages, sleep } from './docker-cli.js';
import {
  cleanupSwarm,
  prepareSwarm,
  removeSwarmService,
  runningTasks,
  swarmServices,
} from './swarm.js';

const REPLICAS = 20;
const PARALLELISM = 2;
const RUNS = Number(process.env.BERTH_BENCH_RUNS ?? 3);
const MONITOR_SECONDS = Number(process.env.BERTH_BENCH_MONITOR ?? 0);
const ORDER = process.env.BERTH_BENCH_ORDER === 'start-first' ? 'start-first' : 'stop-first';
const V1 = 'berth/busybox:test';
const V2 = 'berth/busybox:bench-v2';
// Ends at once on TERM on both sides, so stopping is not Docker's 10 s grace period.
const CMD = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];
const POLL_MS = 50;
const LIMIT_MS = 180_000;
const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const label = `berth.bench=${runId}`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;
const seconds = (ms: number | undefined) =>
  ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`;

/** Docker runs the 20 replicas, all of v2, and nothing else of the service. */
const onlyV2 = (images: string[]) =>
  images.length === REPLICAS && images.every((image) => image === V2);

/** Polls `done` every POLL_MS until it is true (at most LIMIT_MS): the time from `since`. */
const until = async (what: string, since: number, done: () => Promise<boolean>) => {
  while (performance.now() - since < LIMIT_MS) {
    if (await done()) return performance.now() - since;
    await sleep(POLL_MS);
  }
  throw new Error(`${what}: not within ${LIMIT_MS / 1000} s`);
};

// --- Berth ------------------------------------------------------------------------------------
type Container = { state: string };
type Group = { update?: { revision: number; state: string; reason: string } };
let berth: BenchBerth | undefined;

const measureBerth = async (b: BenchBerth) => {
  const { group } = await b.api<{ group: string }>('POST', `/api/containers?count=${REPLICAS}`, {
    image: V1,
    cmd: CMD,
    cpus: 0.05,
    memory: 16,
  });
  b.groups.add(group);
  const containers = () =>
    b
      .api<Container[]>('GET', `/api/containers?group=${group}`)
      .then((all) => all.filter((c) => c.state === 'running'));
  await until('Berth: v1 running', performance.now(), async () => {
    return (await containers()).length === REPLICAS;
  });

  const started = performance.now();
  await b.api('POST', `/api/groups/${group}/update`, {
    spec: { image: V2 },
    strategy: {
      parallelism: PARALLELISM,
      order: ORDER,
      monitorSeconds: MONITOR_SECONDS,
      failureAction: 'pause',
    },
  });
  const converged = await until('Berth: update complete', started, async () => {
    const { update } = await b.api<Group>('GET', `/api/groups/${group}`);
    if (update?.state === 'paused') throw new Error(`Berth: update paused: ${update.reason}`);
    return (
      update?.revision === 2 &&
      update.state === 'completed' &&
      onlyV2(await runningImages(`berth.group=${group}`))
    );
  });

  await b.api('POST', `/api/groups/${group}/scale?count=0`);
  await awaitGone(`berth.group=${group}`);
  b.groups.delete(group);
  return converged;
};

// --- Swarm mode -------------------------------------------------------------------------------
type Service = { UpdateStatus?: { State: string; Message?: string } };

const measureSwarm = async (run: number) => {
  const name = `berth-bench-update-${runId}-${run}`;
  swarmServices.add(name);
  await docker(
    [
      'service',
      'create',
      '--detach=false',
      '--quiet',
      '--no-resolve-image',
      ...['--replicas', String(REPLICAS), '--name', name, '--container-label', label],
      ...['--update-parallelism', String(PARALLELISM), '--update-order', ORDER],
      ...['--update-delay', '0s', '--update-monitor', `${MONITOR_SECONDS}s`],
      ...['--update-failure-action', 'pause'],
      V1,
      ...CMD,
    ],
    LIMIT_MS,
  );

  const started = performance.now();
  await docker([
    'service',
    'update',
    '--detach',
    '--quiet',
    '--no-resolve-image',
    '--image',
    V2,
    name,
  ]);
  const converged = await until('swarm: update complete', started, async () => {
    const { UpdateStatus: status } = await dockerApi<Service>(`/services/${name}`);
    if (status?.State === 'paused') throw new Error(`swarm: update paused: ${status.Message}`);
    return (
      status?.State === 'completed' &&
      onlyV2(await runningImages(`com.docker.swarm.service.name=${name}`))
    );
  });
  const current = await runningTasks(name, V2);
  if (current !== REPLICAS) throw new Error(`swarm: ${current} of ${REPLICAS} tasks Running ${V2}`);

  await removeSwarmService(name);
  return converged;
};

// --- The run ----------------------------------------------------------------------------------
let taggedV2 = false;
console.log(
  `\nUpdate: ${REPLICAS} replicas ${V1} → ${V2} on the local Docker engine, parallelism ${PARALLELISM}, ` +
    `${ORDER}, no health check, delay 0, monitor ${MONITOR_SECONDS} s; median of ${RUNS} (run id ${runId})`,
);
const results: { berth: number[]; swarm: number[] } = { berth: [], swarm: [] };
let swarmSkipped: string | undefined;
await runBench(
  'update',
  [
    ['Berth', async () => (await berth?.stop())?.forEach((n) => console.log(`cleanup: ${n}`))],
    ['swarm', cleanupSwarm],
    ['image tag', async () => taggedV2 && (await docker(['image', 'rm', V2]))],
  ],
  async () => {
    taggedV2 = await docker(['image', 'inspect', V2]).then(
      () => false,
      async () => (await docker(['tag', V1, V2]), true),
    );
    berth = await startBerth();
    swarmSkipped = await prepareSwarm();
    for (let run = 0; run < RUNS; run++) {
      const line: string[] = [];
      const kinds = run % 2 === 0 ? (['berth', 'swarm'] as const) : (['swarm', 'berth'] as const);
      for (const kind of kinds) {
        if (kind === 'swarm' && swarmSkipped !== undefined) continue;
        const ms = kind === 'berth' ? await measureBerth(berth) : await measureSwarm(run);
        results[kind].push(ms);
        line.push(`${kind} ${seconds(ms)}`);
      }
      console.log(`run ${run + 1}: ${line.join(' · ')}`);
    }
  },
);

const berthMs = results.berth.length > 0 ? median(results.berth) : undefined;
const swarmMs = results.swarm.length > 0 ? median(results.swarm) : undefined;
console.log();
console.log(
  `berth update: ${seconds(berthMs)}  (POST …/update → completed, only v2 running; polled ${POLL_MS} ms)`,
);
console.log(
  `swarm update: ${seconds(swarmMs)}  (docker service update → completed, only v2 running)`,
);
if (swarmSkipped !== undefined) console.log(`swarm not measured: ${swarmSkipped}`);
if (berthMs !== undefined && swarmMs !== undefined) {
  const ratio = berthMs / swarmMs;
  console.log(`ratio berth/swarm: ${ratio.toFixed(2)}  ${ratio <= 1 ? '✓' : '✗'} target ≤ 1`);
}
