// Containers on three real Docker hosts: run, spread, answer HTTP, scale, lifecycle, logs,
// destroy, cluster info against Docker's own numbers, bad input, and losing a host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterInfo, Container, Engine, Group, RunAccepted } from '@berth/contracts';
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
let token = '';
let api: ReturnType<typeof apiClient>;
let group = '';

const engineOf = (host: TestHost) => `host-${host.index}`;
const onHost = async (host: TestHost, label = `berth.group=${group}`) =>
  dockerContainers(host.dockerUrl, label);
const inDocker = async () => (await Promise.all(hosts.map((h) => onHost(h)))).flat();
const groupNow = async () => (await api.get<Group>(`/api/groups/${group}`)).body;
const running = async (n: number) => {
  const g = await groupNow();
  return g.desired === n && g.replicas.running === n && g.containers.length === n;
};
const containersOf = async () =>
  (await api.get<Container[]>(`/api/containers?group=${group}`)).body;

// httpd in the background behind a shell that ends at once on TERM, so stop is quick.
const web = {
  image: 'berth/busybox:test',
  cmd: [
    'sh',
    '-c',
    'echo hello-from-$(hostname); trap "exit 0" TERM; httpd -f -p 80 -h /www & wait',
  ],
  ports: [{ container: 80 }],
  cpus: 0.1,
  memory: 32,
};

beforeAll(async () => {
  ({ hosts, down: downHosts } = await startTestHosts(3));
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: 'containers-admin-1' });
  const login = await fetch(`${berth.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'containers-admin-1' }),
  });
  token = ((await login.json()) as { token: string }).token;
  api = apiClient(berth.url, () => token);
  for (const host of hosts) {
    const added = await api.post('/api/engines', {
      id: engineOf(host),
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

describe('containers on three hosts', () => {
  it('runs 12 httpd replicas spread 4/4/4, each answering HTTP on its host port', async () => {
    const run = await api.post<RunAccepted>('/api/containers?count=12', web);
    expect(run.status).toBe(202);
    expect(run.body.containers).toHaveLength(12);
    group = run.body.group;
    const tookMs = await within(20_000, '12 running', () => running(12));
    console.log(`12 replicas running ${tookMs} ms after the 202`);

    const containers = await containersOf();
    const perEngine = Object.fromEntries(
      hosts.map((h) => [engineOf(h), containers.filter((c) => c.engine === engineOf(h)).length]),
    );
    expect(perEngine).toEqual({ 'host-1': 4, 'host-2': 4, 'host-3': 4 });
    for (const host of hosts) expect(await onHost(host)).toHaveLength(4);
    for (const c of containers) {
      const port = c.ports[0];
      expect(port).toMatchObject({ container: 80, protocol: 'tcp' });
      expect(port?.hostIp).toBe(hosts.find((h) => engineOf(h) === c.engine)?.address);
      // Running is not yet listening: busybox httpd binds a moment after the start.
      await within(5000, `${c.id} answering`, async () => {
        const page = await fetch(`http://${port?.hostIp}:${port?.host}/`, {
          signal: AbortSignal.timeout(2000),
        }).catch(() => undefined);
        return (await page?.text())?.includes('berth') === true;
      });
    }
  });

  it('scales to 5 (5 left in Docker), then to 9', async () => {
    const down = await api.post<{ removed: string[] }>(`/api/groups/${group}/scale?count=5`);
    expect(down.status).toBe(202);
    expect(down.body.removed).toHaveLength(7);
    await within(15_000, '5 in Docker', async () => (await inDocker()).length === 5);
    expect(await running(5)).toBe(true);

    const someone = (await containersOf())[0]?.id ?? '';
    const up = await api.post<{ added: string[] }>(`/api/containers/${someone}/scale?count=9`);
    expect(up.body.added).toHaveLength(4);
    await within(15_000, '9 running', () => running(9));
    expect(await inDocker()).toHaveLength(9);
  });

  it('stops, starts and restarts one replica without replacing it; its log shows its output', async () => {
    const [first] = await containersOf();
    const id = first?.id ?? '';
    const host = hosts.find((h) => engineOf(h) === first?.engine) as TestHost;
    const dockerState = async () =>
      (await onHost(host, `berth.container=${id}`)).map((c) => c.State).join();

    // By a unique prefix, as with docker; a prefix several share is a 409 naming them.
    const others = (await containersOf()).map((c) => c.id).filter((other) => other !== id);
    let length = 1;
    while (others.some((other) => other.startsWith(id.slice(0, length)))) length++;
    const shared = await api.get<{ error: { message: string } }>(
      `/api/containers/${id.slice(0, length - 1)}`,
    );
    expect(shared.status).toBe(409);
    expect(shared.body.error.message).toContain(id);
    const stopped = await api.post<Container>(
      `/api/containers/${id.slice(0, length).toLowerCase()}/stop`,
    );
    expect(stopped.body.state).toBe('stopped');
    expect(await dockerState()).toBe('exited');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await inDocker()).toHaveLength(9); // a stop Berth was asked for is not a death
    expect((await groupNow()).replicas).toMatchObject({ running: 8, stopped: 1 });

    expect((await api.post<Container>(`/api/containers/${id}/start`)).body.state).toBe('running');
    expect(await dockerState()).toBe('running');
    expect((await api.post<Container>(`/api/containers/${id}/restart`)).body.state).toBe('running');
    expect(await dockerState()).toBe('running');

    const logs = await api.get<string>(`/api/containers/${id}/logs?stdout=true&stderr=false`);
    expect(logs.status).toBe(200);
    expect(logs.body).toContain('hello-from-');
    const tail = await api.get<string>(`/api/containers/${id}/logs?tail=1`);
    expect(String(tail.body).trim().split('\n')).toHaveLength(1);

    // Follow: the output so far, then the stream stays open until the client leaves.
    const abort = new AbortController();
    const followed = await fetch(`${berth.url}/api/containers/${id}/logs?follow=true`, {
      headers: { authorization: `Bearer ${token}` },
      signal: abort.signal,
    });
    const reader = (followed.body as ReadableStream<Uint8Array>).getReader();
    const firstChunk = new TextDecoder().decode((await reader.read()).value);
    expect(firstChunk).toContain('hello-from-');
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })();
    const state = await Promise.race([
      ended,
      new Promise((resolve) => setTimeout(() => resolve('still open'), 700)),
    ]);
    expect(state).toBe('still open');
    abort.abort();
    await ended.catch(() => undefined);
  });

  it('destroys one replica: gone from Docker, and the group wants one less', async () => {
    const [victim] = await containersOf();
    const destroyed = await api.delete(`/api/containers/${victim?.id ?? ''}`);
    expect(destroyed.status).toBe(202);
    await within(10_000, 'gone from Docker', async () => (await inDocker()).length === 8);
    expect((await inDocker()).map((c) => c.Labels['berth.container'])).not.toContain(victim?.id);
    expect(await running(8)).toBe(true);
    expect((await api.get(`/api/containers/${victim?.id ?? ''}`)).body).toMatchObject({
      state: 'destroyed',
    });
  });

  it('reports cluster info that matches what Docker itself reports', async () => {
    const info = (await api.get<ClusterInfo>('/api/cluster/info')).body;
    const all = await Promise.all(hosts.map((h) => onHost(h, 'berth.container')));
    const images = await Promise.all(
      hosts.map(async (h) => {
        const r = await fetch(`${h.dockerUrl.replace(/^tcp:/, 'http:')}/images/json`);
        return ((await r.json()) as unknown[]).length;
      }),
    );
    expect(info).toMatchObject({
      cpus: 6,
      memory: 3 * 2048,
      reservedCpus: 0.8,
      reservedMemory: 8 * 32,
      engineCount: 3,
      containerCount: all.flat().length,
      imageCount: images.reduce((a, b) => a + b, 0),
    });
    // Measured usage: a figure once an executor's sample arrived, null before.
    for (const used of [info.usedCpuPercent, info.usedMemory])
      expect(used === null || used >= 0).toBe(true);
  });

  it('refuses bad input naming the field, and what does not fit saying how many do', async () => {
    const bad = async (query: string, body: unknown, field: string) => {
      const answer = await api.post<{ error: { field: string } }>(`/api/containers${query}`, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error.field).toBe(field);
    };
    await bad('', { ...web, cpus: -1 }, 'cpus');
    await bad('', { ...web, memory: 'lots' }, 'memory');
    await bad('', { ...web, ports: [{ container: 70_000 }] }, 'ports.0.container');
    await bad('?count=abc', web, 'count');
    await bad('?count=0', web, 'count');
    await bad('', { ...web, image: 'UPPER CASE' }, 'image');
    const scale = await api.post<{ error: { field: string } }>(
      `/api/groups/${group}/scale?count=-1`,
    );
    expect(scale.body.error.field).toBe('count');

    const before = await inDocker();
    const tooMany = await api.post<{ error: { code: string; message: string } }>(
      '/api/containers?count=100',
      { ...web, cpus: 0.5 },
    );
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.message).toMatch(/^only 9 of 100 replicas fit/); // (6 - 0.8) / 0.5
    expect(await inDocker()).toHaveLength(before.length);
  });

  it('ends a replica of an unknown image, of a pull that cannot reach a registry, or that exits under restart policy "no", failed with the reason', async () => {
    for (const [query, spec, reason] of [
      ['?pull=false', { ...web, image: 'berth/missing:1' }, /No such image/i],
      ['?pull=true', { ...web, image: 'berth/missing:2' }, /pull of berth\/missing:2 failed/],
      // Not restarted: its policy says so. (Without one it backs off: restarts.e2e.test.ts.)
      ['', { ...web, cmd: ['sh', '-c', 'exit 3'], restartPolicy: 'no' }, /exited with code 3$/],
    ] as const) {
      const run = await api.post<RunAccepted>(`/api/containers${query}`, spec);
      const image = `${spec.image} ${spec.cmd.join(' ')}`;
      const id = run.body.containers[0] ?? '';
      const tookMs = await within(
        30_000,
        `${image} failed`,
        async () => (await api.get<Container>(`/api/containers/${id}`)).body.state === 'failed',
      );
      const failed = (await api.get<Container>(`/api/containers/${id}`)).body;
      expect(failed.reason).toMatch(reason);
      console.log(`${image} ${query}: failed after ${tookMs} ms: ${failed.reason ?? ''}`);
      const g = (await api.get<Group>(`/api/groups/${run.body.group}`)).body;
      expect(g.replicas.failed).toBe(1);
      expect(g.pending?.reason).toMatch(reason);
    }
  });

  it('replaces the replicas of a lost host on the others within 10 s of detection', async () => {
    const lost = hosts[2] as TestHost;
    const before = (await containersOf()).filter((c) => c.engine === engineOf(lost)).length;
    expect(before).toBeGreaterThan(0);
    await lost.stopDocker();
    await within(10_000, 'host-3 unhealthy', async () =>
      ['unhealthy', 'lost'].includes(
        (await api.get<Engine>(`/api/engines/${engineOf(lost)}`)).body.health.status,
      ),
    );
    const tookMs = await within(10_000, 'back to 8 on the others', async () => {
      const now = await containersOf();
      return (
        (await running(8)) && now.every((c) => c.engine !== engineOf(lost) && c.state === 'running')
      );
    });
    console.log(`${before} replicas of the lost host replaced ${tookMs} ms after detection`);
    expect((await Promise.all(hosts.slice(0, 2).map((h) => onHost(h)))).flat()).toHaveLength(8);

    // When the host comes back, what it still holds of the group is removed: at once, or — when
    // the daemon, just restarted on a loaded machine, refused that first remove — at the next try
    // of the executor's retry (at most 30 s apart).
    await lost.startDocker();
    await within(45_000, 'leftovers removed', async () => (await onHost(lost)).length === 0);
  });
});
