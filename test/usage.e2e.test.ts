// Measured usage on a real Docker host: a container burning one CPU moves the engine's figure
// (API, `berth engines`, `berth clusterinfo`) within 15 s of running, and it falls once destroyed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo, Container, Engine, RunAccepted } from '@berth/contracts';
import {
  addHealthyEngine,
  apiClient,
  login,
  runCli,
  spawnBerth,
  startTestHosts,
  within,
  type BerthProcess,
  type TestHost,
} from '@berth/testkit';

const PASSWORD = 'usage-admin-1';
const ENGINE = 'usage-1';
let berth: BerthProcess;
let downHosts: () => Promise<void>;
let api: ReturnType<typeof apiClient>;
let config: string;

const engine = async () => (await api.get<Engine>(`/api/engines/${ENGINE}`)).body;
/** CPUs in use on the engine, from its percent of the 2 CPUs it was added with. */
const usedCpus = async () => ((await engine()).usedCpuPercent ?? 0) * 0.02;
const cli = async (...args: string[]) => {
  const result = await runCli(args, {
    XDG_CONFIG_HOME: config,
    BERTH_URL: berth.url,
    NO_COLOR: '1',
  });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
};

beforeAll(async () => {
  config = mkdtempSync(join(tmpdir(), 'berth-usage-'));
  const hosts = await startTestHosts(1);
  downHosts = hosts.down;
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: PASSWORD });
  const token = await login(berth.url, 'admin', PASSWORD);
  api = apiClient(berth.url, () => token);
  await addHealthyEngine(api, ENGINE, (hosts.hosts[0] as TestHost).dockerUrl);
  const loggedIn = await runCli(['login', '-u', 'admin', '-p', PASSWORD, '--url', berth.url], {
    XDG_CONFIG_HOME: config,
  });
  expect(loggedIn.code, loggedIn.stderr).toBe(0);
});
afterAll(async () => {
  await berth?.stop();
  await downHosts?.();
  rmSync(config, { recursive: true, force: true });
});

describe('measured usage', () => {
  it('moves the engine’s used CPU within 15 s of a container burning one CPU', async () => {
    // Sampled every 5 s: an idle engine first shows a figure, not null.
    await within(15_000, 'a first sample', async () => (await engine()).usedCpuPercent !== null);
    expect(await usedCpus()).toBeLessThan(0.3);

    const run = await api.post<RunAccepted>('/api/containers', {
      image: 'berth/busybox:test',
      // Holds 8 MB in a shell variable, so memory has something to show beside the CPU loop.
      cmd: ['sh', '-c', 'x=$(head -c 8000000 /dev/zero | tr "\\0" a); while :; do :; done'],
      cpus: 1,
      memory: 32,
    });
    expect(run.status).toBe(202);
    const id = run.body.containers[0] ?? '';
    await within(15_000, 'burner running', async () => {
      const replica = (await api.get<Container>(`/api/containers/${id}`)).body;
      return replica.state === 'running';
    });
    // Docker's CFS quota holds it at one CPU; a loaded CI machine may give it less.
    const tookMs = await within(15_000, 'used CPU moves', async () => (await usedCpus()) >= 0.5);
    console.log(`used CPU moved ${tookMs} ms after the burner ran`);
    const busy = await engine();
    expect(busy.usedMemory).toBeGreaterThanOrEqual(6); // MB, of the 7.6 MiB held
    expect(busy.usedCpuPercent).toBeLessThanOrEqual(60); // one CPU of two, with rounding

    const info = (await api.get<ClusterInfo>('/api/cluster/info')).body;
    expect(info.usedCpuPercent).toBeGreaterThanOrEqual(25);
    expect(info.usedMemory).toBeGreaterThanOrEqual(6);

    const table = await cli('engines');
    expect(table.split('\n')[0]).toMatch(/CPU USED.*MEM USED MB/);
    const row = table.split('\n').find((line) => line.startsWith(ENGINE)) ?? '';
    const shown = Number(/(\d+\.\d)%/.exec(row)?.[1]);
    expect(shown).toBeGreaterThanOrEqual(25);
    expect(await cli('clusterinfo')).toMatch(/CPUs: +[\d.]+ of 2 reserved, \d+\.\d% used/);

    expect((await api.delete(`/api/containers/${id}`)).status).toBe(202);
    await within(20_000, 'used CPU falls', async () => (await usedCpus()) < 0.3);
  });
});
