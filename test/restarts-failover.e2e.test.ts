// Cluster mode: a crash-looping replica keeps backing off across an executor failover. The
// executor that owns the engine is SIGKILLed while the replica waits; the one elected next
// restarts it when the wait recorded in the log is over, and the next wait doubles on from there.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { containerStream, type ContainerEventOf, type RecordedEvent } from '@berth/contracts';
import { generateSecretKey, parseSecretKey } from '@berth/auth';
import { connectNats, sendCommand, type NatsConnection } from '@berth/bus';
import { chainKey, openSqliteEventLog, type EventLog } from '@berth/eventlog';
import { newId } from '@berth/ids';
import { startEtcd, startNatsServer, type LocalEtcd, type LocalNats } from '@berth/local-infra';
import { dockerContainers, startTestHosts, within, type TestHost } from '@berth/testkit';

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
const command = (type: string, data: unknown) =>
  sendCommand(nc, { type, data, metadata: { commandId: newId(), actor: 'failover-test' } });

beforeAll(async () => {
  ({ hosts, down: downHosts } = await startTestHosts(1));
  dataDir = mkdtempSync(join(tmpdir(), 'berth-failover-'));
  nats = await startNatsServer();
  etcd = await startEtcd(join(dataDir, 'etcd'));
  const env = {
    ...nats.env,
    BERTH_ETCD_URL: etcd.url,
    BERTH_STORE: 'sqlite',
    BERTH_DATA_DIR: dataDir,
    BERTH_SECRET_KEY: generateSecretKey(),
    BERTH_EXECUTOR_LEASE_SECONDS: '2',
  };
  const started = [
    startService('engine-registry', '1', env),
    startService('heartbeat', '1', env),
    startService('scheduler', '1', env),
    startService('docker-executor', 'a', env),
    startService('docker-executor', 'b', env),
  ];
  for (const service of started)
    await within(15_000, `${service.name} ready`, () =>
      Promise.resolve(service.output().includes('service ready')),
    );
  nc = await connectNats(nats.access);
  log = openSqliteEventLog({
    file: join(dataDir, 'events.db'),
    key: chainKey(parseSecretKey(env.BERTH_SECRET_KEY)),
  });
  const host = hosts[0] as TestHost;
  await command('AddEngine', { id: 'host-1', addr: host.dockerUrl, cpus: 2, memory: 2048 });
  await within(
    10_000,
    'engine healthy',
    async () => (await log.readAll(1, { filter: { types: ['EngineHealthChanged'] } })).length > 0,
  );
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

type Backoff = ContainerEventOf<'ContainerBackoff'>;

it('keeps the backoff of a crash loop across an executor failover', async () => {
  const { events } = await command('RunContainer', {
    spec: { image: 'berth/busybox:test', cmd: ['sh', '-c', 'exit 3'], cpus: 0.1, memory: 16 },
    count: 1,
    pull: false,
  });
  const placed = events.find((e) => e.type === 'ContainerPlaced') as RecordedEvent;
  const id = (placed.data as { container: string }).container;
  const history = () => log.readStream(containerStream(id));
  const backoffs = async () =>
    (await history()).filter((e) => e.type === 'ContainerBackoff').map((e) => e.data as Backoff);

  // Kill the owner while the replica waits out its third backoff (4 s).
  await within(20_000, 'third backoff', async () => (await backoffs()).length === 3);
  const owner = services.find(
    (s) => s.name.startsWith('docker-executor') && s.output().includes('working this engine'),
  );
  expect(owner).toBeDefined();
  owner?.child.kill('SIGKILL');
  const third = (await backoffs())[2] as Backoff;
  expect(third).toMatchObject({ restarts: 3, delayMs: 4000 });

  // The other instance takes over and restarts it when due; the next wait doubles on.
  await within(30_000, 'fourth backoff', async () => (await backoffs()).length === 4);
  const recorded = await history();
  const thirdAt = recorded.filter((e) => e.type === 'ContainerBackoff')[2]?.position ?? 0;
  const restart = recorded.find((e) => e.type === 'ContainerStarted' && e.position > thirdAt);
  expect(restart?.metadata.actor).toBe('docker-executor');
  expect(Date.parse(restart?.at ?? '')).toBeGreaterThanOrEqual(third.until - 50); // not before due
  expect((await backoffs())[3]).toMatchObject({ restarts: 4, delayMs: 8000 });
  const survivor = services.find((s) => s.name.startsWith('docker-executor') && s !== owner);
  expect(survivor?.output()).toContain('working this engine');
  // In place: still the one Docker container.
  expect(
    await dockerContainers((hosts[0] as TestHost).dockerUrl, `berth.container=${id}`),
  ).toHaveLength(1);
});
