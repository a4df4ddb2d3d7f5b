// Named services through the router: a real HAProxy that Berth drives, in front of replicas on
// two Docker hosts. Balanced replies, no request lost while scaling down under paced load,
// backends added when scaling up, endpoints in etcd, names unique, group routes by name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, Group, RunAccepted } from '@berth/contracts';
import { freePort, startEtcd, type LocalEtcd } from '@berth/local-infra';
import {
  apiClient,
  spawnBerth,
  startTestHosts,
  underLoad,
  viaProxy,
  within,
  type BerthProcess,
  type TestHost,
} from '@berth/testkit';

const DOMAIN = 'berth.test';
let berth: BerthProcess;
let hosts: TestHost[];
let downHosts: () => Promise<void>;
let etcdServer: LocalEtcd;
let etcd: Etcd3;
let etcdDir: string;
let routerPort = 0;
let api: ReturnType<typeof apiClient>;
let token = '';

// Each replica serves its own hostname, at / and after 300 ms at /cgi-bin/slow (so requests are
// in flight when a replica leaves), and ends at once on TERM.
const serve = [
  'hostname > /www/index.html',
  'mkdir -p /www/cgi-bin',
  'printf "#!/bin/sh\\necho Content-Type: text/plain\\necho\\nsleep 0.3\\nhostname\\n" > /www/cgi-bin/slow',
  'chmod +x /www/cgi-bin/slow',
  'trap "exit 0" TERM',
  'httpd -f -p 80 -h /www & wait',
].join('; ');
const web = {
  name: 'web',
  image: 'berth/busybox:test',
  cmd: ['sh', '-c', serve],
  ports: [{ container: 80 }],
  cpus: 0.1,
  memory: 32,
};

const idle = { image: 'berth/busybox:test', cmd: ['sleep', '600'], cpus: 0.1, memory: 16 };

const viaRouter = (host: string, path = '/') => viaProxy(routerPort, host, path);
const replies = async (n: number) => {
  const answers = [];
  for (let i = 0; i < n; i++) answers.push(await viaRouter(`web.${DOMAIN}`));
  return answers;
};
/**
 * Paced load through the router while `during` runs: 50 requests a second (at most 1500, 30 s)
 * to the slow page, so ~15 are in flight at any time.
 */
const loadDuring = (during: () => Promise<void>) =>
  underLoad(() => viaRouter(`web.${DOMAIN}`, '/cgi-bin/slow'), during);
/** A reply cut short by a killed replica may still say 200: only a whole hostname counts. */
const expectAllServed = (outcomes: { status: number; body: string }[]) => {
  const failed = outcomes.filter((o) => o.status !== 200 || !/^[0-9a-f]{12}$/.test(o.body));
  expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
  expect(outcomes.length).toBeGreaterThan(100);
};
const groupNow = async () => (await api.get<Group>('/api/groups/web')).body;
const running = async (n: number) => {
  const g = await groupNow();
  return g.desired === n && g.replicas.running === n && g.containers.length === n;
};
const endpoints = async () => etcd.getAll().prefix('/berth/services/web/').strings();

beforeAll(async () => {
  ({ hosts, down: downHosts } = await startTestHosts(2));
  etcdDir = mkdtempSync(join(tmpdir(), 'berth-router-etcd-'));
  etcdServer = await startEtcd(etcdDir);
  etcd = new Etcd3({ hosts: etcdServer.url });
  routerPort = await freePort();
  berth = await spawnBerth({
    BERTH_ADMIN_PASSWORD: 'router-admin-1',
    BERTH_ETCD_URL: etcdServer.url,
    BERTH_ROUTER: 'on',
    BERTH_ROUTER_PORT: String(routerPort),
    BERTH_ROUTER_DOMAIN: DOMAIN,
  });
  const login = await fetch(`${berth.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'router-admin-1' }),
  });
  token = ((await login.json()) as { token: string }).token;
  api = apiClient(berth.url, () => token);
  for (const host of hosts) {
    const added = await api.post('/api/engines', {
      id: `host-${host.index}`,
      addr: host.dockerUrl,
      cpus: 2,
      memory: 1024,
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
  }
});

afterAll(async () => {
  for (const name of ['web', 'race'])
    await api?.post(`/api/groups/${name}/scale?count=0`).catch(() => undefined);
  await berth?.stop();
  etcd?.close();
  await etcdServer?.stop();
  rmSync(etcdDir, { recursive: true, force: true });
  await downHosts?.();
});

describe('router', () => {
  it('serves a named service balanced over its replicas, and publishes them in etcd', async () => {
    const run = await api.post<RunAccepted>('/api/containers?count=4', web);
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    await within(60_000, 'four replicas running', () => running(4));
    await within(15_000, 'four endpoints in etcd', async () => {
      return Object.keys(await endpoints()).length === 4;
    });
    const inEtcd = await endpoints();
    for (const id of run.body.containers) {
      expect(inEtcd[`/berth/services/web/${id}`]).toMatch(/^10\.\d+\.\d+\.\d+:\d+$/);
    }

    // etcd can list all four a moment before the proxy sends to all of them: wait for that too.
    await within(15_000, 'the proxy serving all four', async () => {
      const seen = new Set((await replies(8)).map((a) => a.body));
      return seen.size === 4;
    });
    const answers = await replies(40);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const perReplica = new Map<string, number>();
    for (const a of answers) perReplica.set(a.body, (perReplica.get(a.body) ?? 0) + 1);
    expect(perReplica.size).toBe(4);
    for (const n of perReplica.values()) expect(n).toBeGreaterThanOrEqual(5);

    expect((await viaRouter(`nothing.${DOMAIN}`)).status).toBe(404);
  });

  it('keeps names unique among live groups and answers group routes by name', async () => {
    const taken = await api.post('/api/containers', web);
    expect(taken).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict', field: 'name' } },
    });
    const bad = await api.post('/api/containers', { ...web, name: 'Not_A_Label' });
    expect(bad).toMatchObject({ status: 400, body: { error: { field: 'name' } } });
    // Concurrent runs: the schedule stream's version lets exactly one of them take a free name.
    const racers = await Promise.all(
      Array.from({ length: 5 }, () => api.post('/api/containers', { ...idle, name: 'race' })),
    );
    expect(racers.map((r) => r.status).sort()).toEqual([202, 409, 409, 409, 409]);
    const group = await groupNow();
    expect(group.name).toBe('web');
    expect((await api.get<Group>(`/api/groups/${group.id}`)).body.name).toBe('web');
  });

  it('loses no request while scaling down under steady load: each replica is drained first', async () => {
    const before = (await groupNow()).containers;
    let removed: string[] = [];
    const outcomes = await loadDuring(async () => {
      const scaled = await api.post<{ removed: string[] }>('/api/groups/web/scale?count=2');
      expect(scaled.status).toBe(202);
      removed = scaled.body.removed;
      expect(removed).toHaveLength(2);
      await within(30_000, 'two replicas left and the others destroyed', async () => {
        const all = await api.get<{ id: string; state: string }[]>('/api/containers?all=true');
        const gone = all.body.filter((c) => removed.includes(c.id));
        return (await running(2)) && gone.every((c) => c.state === 'destroyed');
      });
    });
    expectAllServed(outcomes);
    expect(Object.keys(await endpoints()).sort()).toEqual(
      before
        .filter((id) => !removed.includes(id))
        .map((id) => `/berth/services/web/${id}`)
        .sort(),
    );
    // The log shows why: the router drained each removed replica before it was destroyed.
    const events = (await api.get<AuditEvent[]>('/api/events?count=500')).body;
    for (const id of removed) {
      const drained = events.find(
        (e) =>
          e.type === 'RouteChanged' && e.refs.container === id && e.message.endsWith('drained'),
      );
      const destroyed = events.find(
        (e) => e.type === 'ContainerDestroyed' && e.stream === `container-${id}`,
      );
      expect(drained, `drained ${id}`).toBeDefined();
      expect(destroyed, `destroyed ${id}`).toBeDefined();
      expect(drained?.position ?? Infinity).toBeLessThan(destroyed?.position ?? 0);
    }
  });

  it('adds backends when scaling up', async () => {
    const scaled = await api.post<{ added: string[] }>('/api/groups/web/scale?count=3');
    expect(scaled.status).toBe(202);
    await within(60_000, 'three replicas running', () => running(3));
    await within(15_000, 'three endpoints in etcd', async () => {
      return Object.keys(await endpoints()).length === 3;
    });
    await within(15_000, 'replies from three replicas', async () => {
      return new Set((await replies(12)).map((a) => a.body)).size === 3;
    });
  });

  it('stops and starts a replica under load without losing a request', async () => {
    const [victim] = (await groupNow()).containers;
    const outcomes = await loadDuring(async () => {
      expect((await api.post(`/api/containers/${victim}/stop`)).status).toBe(200);
      expect(Object.keys(await endpoints())).not.toContain(`/berth/services/web/${victim}`);
      expect((await api.post(`/api/containers/${victim}/start`)).status).toBe(200);
      await within(15_000, 'the started replica routed again', async () => {
        return Object.keys(await endpoints()).includes(`/berth/services/web/${victim}`);
      });
    });
    expectAllServed(outcomes);
  });
});
