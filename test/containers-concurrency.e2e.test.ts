// Cluster mode under load: two schedulers and two executors as separate processes, 100
// concurrent RunContainer(count=1) against room for exactly 60, and one executor SIGKILLed
// while it works. Docker must end with exactly 60 containers, none twice, no engine overcommitted.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateSecretKey, parseSecretKey } from '@berth/auth';
import { connectNats, sendCommand, type NatsConnection } from '@berth/bus';
import { chainKey, openSqliteEventLog, type EventLog } from '@berth/eventlog';
import { newId } from '@berth/ids';
import { startEtcd, startNatsServer, type LocalEtcd, type LocalNats } from '@berth/local-infra';
import {
  dockerContainers,
  dockerReservations,
  startTestHosts,
  within,
  type TestHost,
} from '@berth/testkit';

const CPUS_PER_ENGINE = 2;
const MEMORY_PER_ENGINE = 2048;
const REPLICA = { cpus: 0.1, memory: 16 }; // 20 per engine, 60 on three

let hosts: TestHost[];
let downHosts: () => Promise<void>;
let nats: LocalNats;
let etcd: LocalEtcd;
let nc: NatsConnection;
let log: EventLog;
let dataDir: string;
const services: { name: string; child: ChildProcess; output: () => string }[] = [];

const startService = (name: string, instance: string, env: Record<string, string>) => {
  const child = spawn(process.execPath, [`services/${name}/dist/main.js`], {
    env: { ...process.env, ...env, BERTH_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const service = { name: `${name}-${instance}`, child, output: () => output };
  services.push(service);
  return service;
};
const ready = (service: { output: () => string }) =>
  within(15_000, 'service ready', () =>
    Promise.resolve(service.output().includes('service ready')),
  );
const allInDocker = async () =>
  (await Promise.all(hosts.map((h) => dockerContainers(h.dockerUrl, 'berth.container')))).flat();

beforeAll(async () => {
  ({ hosts, down: downHosts } = await startTestHosts(3));
  dataDir = mkdtempSync(join(tmpdir(), 'berth-cluster-'));
  nats = await startNatsServer();
  etcd = await startEtcd(join(dataDir, 'etcd'));
  const env = {
    ...nats.env,
    BERTH_ETCD_URL: etcd.url,
    BERTH_STORE: 'sqlite',
    BERTH_DATA_DIR: dataDir,
    BERTH_SECRET_KEY: generateSecretKey(),
    BERTH_EXECUTOR_LEASE_SECONDS: '2',
    // The runs' owner is no account (a user's defaults): the test is about engine capacity,
    // which no quota may cut first.
    BERTH_DEFAULT_QUOTA_REPLICAS: '1000',
    BERTH_DEFAULT_QUOTA_CPUS: '1000',
  };
  const started = [
    startService('engine-registry', '1', env),
    startService('heartbeat', '1', env),
    startService('scheduler', 'a', env),
    startService('scheduler', 'b', env),
    startService('docker-executor', 'a', env),
    startService('docker-executor', 'b', env),
  ];
  await Promise.all(started.map(ready));
  nc = await connectNats(nats.access);
  log = openSqliteEventLog({
    file: join(dataDir, 'events.db'),
    key: chainKey(parseSecretKey(env.BERTH_SECRET_KEY)),
  });
  for (const host of hosts) {
    await sendCommand(nc, {
      type: 'AddEngine',
      data: {
        id: `host-${host.index}`,
        addr: host.dockerUrl,
        cpus: CPUS_PER_ENGINE,
        memory: MEMORY_PER_ENGINE,
      },
      metadata: { commandId: newId(), actor: 'load-test' },
    });
  }
  await within(10_000, 'engines healthy', async () => {
    const health = await log.readAll(1, { filter: { types: ['EngineHealthChanged'] } });
    return new Set(health.map((e) => (e.data as { id: string }).id)).size === 3;
  });
});

afterAll(async () => {
  for (const { child } of services) if (child.exitCode === null) child.kill('SIGKILL');
  await nc?.close();
  await log?.close();
  await etcd?.stop();
  await nats?.stop();
  await downHosts?.();
  rmSync(dataDir, { recursive: true, force: true });
});

it('places exactly 60 of 100 concurrent runs, even when an executor is killed mid-way', async () => {
  const run = () =>
    sendCommand(
      nc,
      {
        type: 'RunContainer',
        data: {
          spec: { image: 'berth/busybox:test', cmd: ['sleep', '3600'], ...REPLICA },
          count: 1,
          pull: false,
        },
        metadata: { commandId: newId(), actor: 'load-test' },
      },
      { timeoutMs: 30_000, retries: 0 },
    );
  const outcomes = Promise.allSettled(Array.from({ length: 100 }, run));

  // Kill an executor that works at least one engine once Docker has some of the containers.
  await within(20_000, 'first containers', async () => (await allInDocker()).length >= 10).catch(
    (error: unknown) => {
      for (const service of services) console.log(service.name, service.output().slice(-3000));
      throw error;
    },
  );
  const owners = services.filter(
    (s) => s.name.startsWith('docker-executor') && s.output().includes('working this engine'),
  );
  expect(owners.length).toBeGreaterThan(0);
  const victim = owners[0] as (typeof services)[number];
  victim.child.kill('SIGKILL');
  const killedAt = (await allInDocker()).length;

  const settled = await outcomes;
  const accepted = settled.filter((o) => o.status === 'fulfilled');
  const rejected = settled.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
  const reasons = new Set(rejected.map((e) => e.message));
  expect(accepted, [...reasons].join(' | ')).toHaveLength(60);
  expect(rejected).toHaveLength(40);
  for (const error of rejected) {
    expect(error).toMatchObject({ code: 'rejected' });
    expect(error.message).toMatch(/^only 0 of 1 replicas fit: not enough free CPU or memory/);
  }

  const tookMs = await within(30_000, '60 running in Docker', async () => {
    const now = await allInDocker();
    return now.length === 60 && now.every((c) => c.State === 'running');
  });
  console.log(
    `${victim.name} killed with ${killedAt} containers made; 60 running ${tookMs} ms after the last reply`,
  );
  await new Promise((resolve) => setTimeout(resolve, 2000)); // nothing more appears
  const containers = await allInDocker();
  expect(containers).toHaveLength(60);
  expect(new Set(containers.map((c) => c.Labels['berth.container'])).size).toBe(60);

  for (const host of hosts) {
    const { cpus, memory } = await dockerReservations(host.dockerUrl);
    expect(cpus).toBeLessThanOrEqual(CPUS_PER_ENGINE + 1e-9);
    expect(memory).toBeLessThanOrEqual(MEMORY_PER_ENGINE);
  }
});
