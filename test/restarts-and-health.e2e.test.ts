// Replicas that exit by themselves and replicas with health checks, on two real Docker hosts:
// restarts in place with a growing backoff at low CPU, completion, health verdicts, replacement.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, Container, Engine, Group, RunAccepted } from '@berth/contracts';
import {
  apiClient,
  dockerContainers,
  spawnBerth,
  startTestHosts,
  within,
  type BerthProcess,
  type TestHost,
} from '@berth/testkit';

let berth: BerthProcess;
let hosts: TestHost[];
let downHosts: () => Promise<void>;
let api: ReturnType<typeof apiClient>;

const container = async (id: string) => (await api.get<Container>(`/api/containers/${id}`)).body;
const group = async (id: string) => (await api.get<Group>(`/api/groups/${id}`)).body;
const events = async (id: string, type: string) =>
  (await api.get<AuditEvent[]>(`/api/events?container=${id}&type=${type}&count=1000`)).body
    .slice()
    .reverse(); // oldest first
const inDocker = async (label: string) =>
  (await Promise.all(hosts.map((h) => dockerContainers(h.dockerUrl, label)))).flat();
const run = async (spec: object) => {
  const accepted = await api.post<RunAccepted>('/api/containers', spec);
  expect(accepted.status).toBe(202);
  return { group: accepted.body.group, id: accepted.body.containers[0] ?? '' };
};
/** CPU seconds the Berth process has used so far (user + system, from /proc). */
const cpuSeconds = () => {
  const fields = readFileSync(`/proc/${berth.child.pid ?? 0}/stat`, 'utf8').split(') ')[1] ?? '';
  const [utime, stime] = fields.split(' ').slice(11, 13).map(Number);
  return ((utime ?? 0) + (stime ?? 0)) / 100; // clock ticks: 100 a second on Linux
};
const busybox = { image: 'berth/busybox:test', cpus: 0.1, memory: 32 };

beforeAll(async () => {
  ({ hosts, down: downHosts } = await startTestHosts(2));
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: 'restarts-admin-1' });
  const login = await fetch(`${berth.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'restarts-admin-1' }),
  });
  const { token } = (await login.json()) as { token: string };
  api = apiClient(berth.url, () => token);
  for (const host of hosts) {
    const added = await api.post('/api/engines', {
      id: `host-${host.index}`,
      addr: host.dockerUrl,
      cpus: 2,
      memory: 2048,
    });
    expect(added.status).toBe(201);
  }
  await within(10_000, 'engines healthy', async () =>
    (await api.get<Engine[]>('/api/engines')).body.every((e) => e.health.status === 'healthy'),
  );
});

afterAll(async () => {
  await berth?.stop();
  await downHosts?.();
});

describe('restarts with backoff', () => {
  it('restarts a crash loop in place, 1 s, 2 s, 4 s, 8 s apart, counting restarts, at low CPU', async () => {
    const crash = await run({ ...busybox, cmd: ['sh', '-c', 'exit 3'] });
    await within(10_000, 'first backoff', async () => (await container(crash.id)).restarts >= 1);
    const cpuBefore = cpuSeconds();
    const wallBefore = Date.now();
    const seen = new Set<string>();
    while (Date.now() - wallBefore < 30_000) {
      seen.add((await container(crash.id)).state);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const cpuShare = (cpuSeconds() - cpuBefore) / ((Date.now() - wallBefore) / 1000);
    const now = await container(crash.id);
    console.log(
      `crash loop: ${now.restarts} restarts in ~31 s; Berth used ${(cpuShare * 100).toFixed(1)}% of a core meanwhile`,
    );
    expect(cpuShare).toBeLessThan(0.25);
    expect(seen).toContain('backoff');
    // Between backoffs it runs for a moment only: the log, not a sample, shows each start.
    expect((await events(crash.id, 'ContainerStarted')).length).toBeGreaterThanOrEqual(
      now.restarts,
    );
    expect(now.restarts).toBeGreaterThanOrEqual(4); // restarts at ~1, 3, 7, 15, 31 s
    expect(now.restarts).toBeLessThanOrEqual(6);

    // Each wait doubles, as recorded; the log's own times show every wait was kept: the next
    // backoff comes no sooner than the last one said (plus however long a start takes).
    const backoffs = await events(crash.id, 'ContainerBackoff');
    const delays = backoffs.map((e) => Number(/ in ([\d.]+) s$/.exec(e.message)?.[1]));
    expect(delays.slice(0, 4)).toEqual([1, 2, 4, 8]);
    const times = backoffs.map((e) => Date.parse(e.at));
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    for (let i = 0; i < Math.min(gaps.length, 4); i++)
      expect(gaps[i]).toBeGreaterThan((delays[i] ?? 0) * 1000 - 250);

    // In place: the same Docker container, never replaced, and Docker's own events bounded.
    expect(await inDocker(`berth.group=${crash.group}`)).toHaveLength(1);
    expect((await group(crash.group)).containers).toEqual([crash.id]);
    const dockerEvents = await events(crash.id, 'DockerContainerEvent');
    expect(dockerEvents.length).toBeLessThanOrEqual(2 * (now.restarts + 1) + 2);

    expect((await api.post(`/api/groups/${crash.group}/scale?count=0`)).status).toBe(202);
    await within(
      10_000,
      'removed',
      async () => (await inDocker(`berth.group=${crash.group}`)).length === 0,
    );
  });

  it('marks a replica that exits 0 under restart policy "no" completed, and leaves it be', async () => {
    const job = await run({ ...busybox, cmd: ['sh', '-c', 'echo done'], restartPolicy: 'no' });
    await within(10_000, 'completed', async () => (await container(job.id)).state === 'completed');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await container(job.id)).toMatchObject({
      state: 'completed',
      restarts: 0,
      health: null,
      reason: 'exited with code 0',
    });
    const g = await group(job.group);
    expect(g.containers).toEqual([job.id]);
    expect(g.replicas).toMatchObject({ completed: 1, running: 0, failed: 0 });
  });

  it('takes failed replicas off Docker when a destroy or a scale takes them away', async () => {
    const failing = { ...busybox, cmd: ['sh', '-c', 'exit 3'], restartPolicy: 'no' };
    const accepted = await api.post<RunAccepted>('/api/containers?count=2', failing);
    const { group: g, containers: ids } = accepted.body;
    const [first = '', second = ''] = ids;
    const failed = async () =>
      (await Promise.all(ids.map(container))).every((c) => c.state === 'failed');
    await within(15_000, 'both failed', failed);
    const exited = await inDocker(`berth.group=${g}`);
    expect(exited.map((c) => c.State)).toEqual(['exited', 'exited']); // kept for their logs

    expect((await api.delete(`/api/containers/${first}`)).status).toBe(202);
    await within(
      10_000,
      'destroyed one gone',
      async () => (await inDocker(`berth.container=${first}`)).length === 0,
    );
    expect(await container(first)).toMatchObject({ state: 'destroyed' });
    expect((await group(g)).desired).toBe(1);

    expect((await api.post(`/api/groups/${g}/scale?count=0`)).status).toBe(202);
    await within(
      10_000,
      'scaled one gone',
      async () => (await inDocker(`berth.group=${g}`)).length === 0,
    );
    expect(await container(second)).toMatchObject({ state: 'destroyed' });
  });
});

describe('health checks', () => {
  const web = (health: object, script = 'exec httpd -f -p 80 -h /www') => ({
    ...busybox,
    cmd: ['sh', '-c', script],
    ports: [{ container: 80 }],
    healthcheck: { intervalSeconds: 1, timeoutSeconds: 1, retries: 2, ...health },
  });

  it('shows an http-checked replica healthy in its read shape', async () => {
    const ok = await run(web({ http: { port: 80, path: '/' } }));
    await within(10_000, 'running', async () => (await container(ok.id)).state === 'running');
    const tookMs = await within(
      15_000,
      'healthy',
      async () => (await container(ok.id)).health === 'healthy',
    );
    console.log(`http check healthy ${tookMs} ms after running`);
    expect(await container(ok.id)).toMatchObject({ state: 'running', health: 'healthy' });
    expect((await events(ok.id, 'ContainerHealthChanged')).map((e) => e.message)).toEqual([
      expect.stringMatching(/is healthy$/),
    ]);
  });

  it('replaces a replica whose container is removed outside Berth (docker rm -f)', async () => {
    const lost = await run({ ...busybox, cmd: ['sleep', '3600'] });
    await within(10_000, 'running', async () => (await container(lost.id)).state === 'running');
    const [host] = await Promise.all(
      hosts.map(async (h) =>
        (await dockerContainers(h.dockerUrl, `berth.container=${lost.id}`)).length > 0
          ? h
          : undefined,
      ),
    ).then((found) => found.filter((h) => h !== undefined));
    const [inHost] = await dockerContainers(host?.dockerUrl ?? '', `berth.container=${lost.id}`);
    const removed = await fetch(
      `${host?.dockerUrl.replace(/^tcp:/, 'http:')}/containers/${inHost?.Id}?force=true`,
      { method: 'DELETE' },
    );
    expect(removed.status).toBe(204);
    const tookMs = await within(30_000, 'replaced and running', async () => {
      const [replacement, ...more] = (await group(lost.group)).containers;
      return (
        more.length === 0 &&
        replacement !== undefined &&
        replacement !== lost.id &&
        (await container(replacement)).state === 'running'
      );
    });
    console.log(`replica removed outside Berth replaced ${tookMs} ms after the docker rm`);
    const died = (await events(lost.id, 'ContainerDied')).map((e) => e.message);
    expect(died).toEqual([
      expect.stringMatching(/died: its Docker container was removed outside Berth/),
    ]);
    await within(10_000, 'destroyed', async () => (await container(lost.id)).state === 'destroyed');
    expect(await inDocker(`berth.group=${lost.group}`)).toHaveLength(1);
    expect((await api.post(`/api/groups/${lost.group}/scale?count=0`)).status).toBe(202);
  });

  it('replaces a replica whose check starts failing, naming the check output', async () => {
    // Serves /ready for 10 s, then not: healthy first (a loaded machine may take a few seconds
    // to the first check), unhealthy after two failed checks.
    const script =
      'mkdir -p /tmp/w && echo ok > /tmp/w/ready && (sleep 10; rm /tmp/w/ready) & exec httpd -f -p 80 -h /tmp/w';
    const sick = await run(web({ http: { port: 80, path: '/ready' } }, script));
    await within(15_000, 'healthy', async () => (await container(sick.id)).health === 'healthy');
    const tookMs = await within(30_000, 'replaced', async () => {
      const g = await group(sick.group);
      return g.containers.length === 1 && g.containers[0] !== sick.id;
    });
    console.log(`unhealthy replica replaced ${tookMs} ms after it was healthy`);
    await within(10_000, 'destroyed', async () => (await container(sick.id)).state === 'destroyed');
    const health = (await events(sick.id, 'ContainerHealthChanged')).map((e) => e.message);
    expect(health.at(-1)).toMatch(/is unhealthy: health check exited 1/);
    expect((await api.post(`/api/groups/${sick.group}/scale?count=0`)).status).toBe(202);
  });

  it('waits out the start period before judging a failing check', async () => {
    const slow = await run(web({ cmd: ['false'], retries: 1, startPeriodSeconds: 8 }));
    await within(10_000, 'running', async () => (await container(slow.id)).state === 'running');
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(await container(slow.id)).toMatchObject({ state: 'running', health: 'starting' });
    expect((await group(slow.group)).containers).toEqual([slow.id]);
    await within(20_000, 'replaced after the start period', async () =>
      (await group(slow.group)).containers.every((c) => c !== slow.id),
    );
    expect((await api.post(`/api/groups/${slow.group}/scale?count=0`)).status).toBe(202);
  });
});
