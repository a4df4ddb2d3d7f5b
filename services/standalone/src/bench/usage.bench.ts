// `npm run bench -- usage`: what measuring usage costs. BERTH_BENCH_CONTAINERS (20) idle
// containers on the local Docker engine, sampled the way the executor does (one list, then one
// one-shot stats call per running container), beside `docker stats --no-stream` over the same
// containers, the baseline, in the same run. Per round: wall time, the sampling process's CPU and
// dockerd's; then the executor's and dockerd's CPU per engine per minute at the default period.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { dockerClient } from '@berth/docker';
import { DEFAULT_EXECUTOR, UsageSampler } from '@berth/docker-executor';
import { cpuSecondsOf } from './proc-stat.js';
import { runBench } from './run-bench.js';
import { docker, removeLabelled } from './docker-cli.js';

const CONTAINERS = Number(process.env.BERTH_BENCH_CONTAINERS ?? 20);
const ROUNDS = 12;
const IMAGE = 'berth/busybox:test';
const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const label = `berth.bench=${runId}`;
const PERIOD_MS = DEFAULT_EXECUTOR.usageIntervalMs;

/** CPU ms of a process so far (ticks of 10 ms). */
const cpuMsOf = (pid: number | 'self', children = false) => cpuSecondsOf(pid, children) * 1000;
const dockerdPid = () => Number(readFileSync('/var/run/docker.pid', 'utf8').trim());
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;

type Round = { wallMs: number; clientCpuMs: number; dockerdCpuMs: number };
const measure = async (round: () => Promise<void> | void, children: boolean): Promise<Round> => {
  const dockerd = dockerdPid();
  const [client, daemon, started] = [
    cpuMsOf('self', children),
    cpuMsOf(dockerd),
    performance.now(),
  ];
  const ownBefore = process.cpuUsage();
  await round();
  const own = process.cpuUsage(ownBefore);
  return {
    wallMs: performance.now() - started,
    // Our own CPU in µs from Node (finer than ticks); a child's only from /proc, once reaped.
    clientCpuMs: children ? cpuMsOf('self', true) - client : (own.user + own.system) / 1000,
    dockerdCpuMs: cpuMsOf(dockerd) - daemon,
  };
};
const summary = (rounds: Round[]) => ({
  wallMs: median(rounds.map((r) => r.wallMs)),
  clientCpuMs: median(rounds.map((r) => r.clientCpuMs)),
  dockerdCpuMs: median(rounds.map((r) => r.dockerdCpuMs)),
});
const ms = (value: number) => `${value.toFixed(0).padStart(5)} ms`;

console.log(
  `\nUsage sampling: ${CONTAINERS} idle containers on the local engine, ${ROUNDS} rounds each, medians (run id ${runId})`,
);
await runBench('usage', [['containers', () => removeLabelled(label)]], async () => {
  const ids: string[] = [];
  for (let i = 0; i < CONTAINERS; i++)
    ids.push(await docker(['run', '-d', '--label', label, IMAGE, 'sleep', '3600']));

  const client = dockerClient({ addr: 'unix:///var/run/docker.sock' }, 15_000);
  const sampler = new UsageSampler('local');
  // Every container read each round, as the executor does while within its stats budget.
  const sampleAll = async () => sampler.sample(client, await sampler.running(client), Infinity);
  await sampleAll(); // the first reading of each container: CPU needs a previous one
  const berth: Round[] = [];
  let sampled = 0;
  for (let i = 0; i < ROUNDS; i++)
    berth.push(
      await measure(async () => {
        sampled = (await sampleAll()).containers;
      }, false),
    );
  if (sampled < CONTAINERS) throw new Error(`sampled ${sampled} of ${CONTAINERS} containers`);

  const cli: Round[] = [];
  for (let i = 0; i < ROUNDS; i++)
    cli.push(
      await measure(() => {
        const result = spawnSync(
          'docker',
          ['stats', '--no-stream', '--format', '{{.ID}}', ...ids],
          {
            timeout: 60_000,
          },
        );
        if (result.status !== 0) throw new Error(`docker stats: ${String(result.stderr)}`);
      }, true),
    );

  const b = summary(berth);
  const d = summary(cli);
  const perMinute = 60_000 / PERIOD_MS;
  console.log(`                           wall      sampler CPU  dockerd CPU   (per round)`);
  console.log(
    `berth sampler:          ${ms(b.wallMs)}  ${ms(b.clientCpuMs)}     ${ms(b.dockerdCpuMs)}`,
  );
  console.log(
    `docker stats --no-stream: ${ms(d.wallMs)}  ${ms(d.clientCpuMs)}     ${ms(d.dockerdCpuMs)}`,
  );
  const berthMinute = (b.clientCpuMs + b.dockerdCpuMs) * perMinute;
  console.log(
    `per engine per minute at ${PERIOD_MS / 1000} s: executor ${(b.clientCpuMs * perMinute).toFixed(0)} ms CPU, ` +
      `dockerd ${(b.dockerdCpuMs * perMinute).toFixed(0)} ms CPU (${((berthMinute / 60_000) * 100).toFixed(2)} % of one CPU)`,
  );
  const ratio = (b.clientCpuMs + b.dockerdCpuMs) / (d.clientCpuMs + d.dockerdCpuMs);
  console.log(
    `ratio berth/docker stats (CPU per round, dockerd included): ${ratio.toFixed(2)}  ${ratio <= 1 ? '✓' : '✗'} target ≤ 1`,
  );
});
