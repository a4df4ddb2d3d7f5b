// Engines on real test hosts: agents register through etcd, the heartbeat watches them, and a
// host that stops, freezes or loses its agent leaves the pool and comes back.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, Engine } from '@berth/contracts';
import { startEtcd, type LocalEtcd } from '@berth/local-infra';
import {
  login,
  spawnBerth,
  startTestHosts,
  within,
  type BerthProcess,
  type TestHost,
} from '@berth/testkit';

let berth: BerthProcess;
let etcd: LocalEtcd;
let hosts: TestHost[];
let downHosts: () => Promise<void>;
let token = '';
let joinToken = '';
const agents = new Map<string, ChildProcess>();

const api = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${berth.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as unknown };
};
const engine = async (id: string) => (await api('GET', `/api/engines/${id}`)).body as Engine;

const statusIs = (id: string, status: string) => async () =>
  (await engine(id).catch(() => undefined))?.health.status === status;

const startAgent = (host: TestHost, as = { id: `host-${host.index}`, token: joinToken }) =>
  new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ['services/agent/dist/main.js'], {
      env: {
        ...process.env,
        BERTH_ETCD_URL: etcd.url,
        BERTH_JOIN_TOKEN: as.token,
        BERTH_AGENT_ID: as.id,
        BERTH_DOCKER_URL: host.dockerUrl,
        BERTH_AGENT_LABELS: `zone-${host.index}`,
        BERTH_LEASE_TTL_SECONDS: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agents.set(as.id, child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"registered"')) resolve(Date.now());
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', () => reject(new Error(`agent exited: ${output}`)));
  });

beforeAll(async () => {
  const started = await startTestHosts(3);
  hosts = started.hosts;
  downHosts = started.down;
  etcd = await startEtcd(join(process.env.TMPDIR ?? '/tmp', `berth-etcd-${Date.now()}`));
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: 'engines-admin-1', BERTH_ETCD_URL: etcd.url });
  const login = await fetch(`${berth.url}/auth/login`, {
    method: 'POST',
    body: JSON.stringify({ username: 'admin', password: 'engines-admin-1' }),
  });
  token = ((await login.json()) as { token: string }).token;
  joinToken = ((await api('GET', '/api/agents/join-token')).body as { token: string }).token;
});
afterAll(async () => {
  for (const agent of agents.values()) if (agent.exitCode === null) agent.kill('SIGKILL');
  await berth.stop();
  await etcd.stop();
  await downHosts();
});

describe('engines on real test hosts', () => {
  it('never admits an agent registered with a wrong join token, and records why', async () => {
    const host = hosts[0] as TestHost;
    await startAgent(host, { id: 'intruder', token: `${joinToken.slice(0, -4)}AAAA` });
    await within(5000, 'the refusal recorded', async () => {
      const log = berth.openLog();
      const history = await log.readStream('engine-intruder');
      await log.close();
      return history.some((e) => e.type === 'EngineJoinRefused');
    });
    expect((await api('GET', '/api/engines/intruder')).status).toBe(404);
    const refused = (await api('GET', '/api/events?type=EngineJoinRefused')).body as {
      message: string;
    }[];
    expect(refused.map((e) => e.message)).toEqual([
      `engine intruder at ${host.dockerUrl} not admitted: wrong join token`,
    ]);
    expect(JSON.stringify(refused)).not.toContain(joinToken.slice(12));
    agents.get('intruder')?.kill('SIGKILL');
  });

  it('lists agent-registered hosts as healthy within 2 s of registration', async () => {
    const registeredAt = await Promise.all(hosts.map((h) => startAgent(h)));
    await within(2000, 'three healthy engines', async () => {
      const list = (await api('GET', '/api/engines')).body as Engine[];
      return list.length === 3 && list.every((e) => e.health.status === 'healthy');
    });
    expect(Date.now() - Math.min(...registeredAt)).toBeLessThan(2500);
    const first = await engine('host-1');
    expect(first).toMatchObject({
      addr: hosts[0]?.dockerUrl,
      labels: ['zone-1'],
      source: 'agent',
      schedulable: true,
      tlsConfigured: false,
    });
    expect(first.dockerVersion).toMatch(/^\d+\./);
    expect(first.health.responseTimeMs).toBeGreaterThan(0);
    const info = (await api('GET', '/api/cluster/info')).body as {
      engineCount: number;
      cpus: number;
    };
    expect(info.engineCount).toBe(3);
  });

  it('marks a host whose dockerd stopped unhealthy within 3 s, with a health event, and healthy again', async () => {
    const host = hosts[0] as TestHost;
    await host.stopDocker();
    const detectedMs = await within(
      3000,
      'unhealthy after docker stop',
      statusIs('host-1', 'unhealthy'),
    );
    expect((await engine('host-1')).schedulable).toBe(false);
    const log = berth.openLog();
    const health = await log.readStream('health-host-1');
    await log.close();
    expect(health.map((e) => (e.data as { status: string }).status)).toEqual([
      'healthy',
      'unhealthy',
    ]);
    expect(health[1]?.metadata.actor).toBe('heartbeat');
    await host.startDocker();
    await within(3000, 'healthy after docker start', statusIs('host-1', 'healthy'));
    expect(detectedMs).toBeLessThan(3000);
  });

  it('marks a frozen (SIGSTOPped) daemon unhealthy by timeout, not by hanging', async () => {
    const host = hosts[1] as TestHost;
    await host.freezeDocker();
    await within(3000, 'unhealthy after SIGSTOP', statusIs('host-2', 'unhealthy'));
    expect((await engine('host-2')).health.responseTimeMs).toBeNull();
    expect((await engine('host-1')).health.status).toBe('healthy');
    await host.thawDocker();
    await within(3000, 'healthy after SIGCONT', statusIs('host-2', 'healthy'));
  });

  it('tells a user only that an engine is unreachable; an admin reads what the probe saw', async () => {
    const created = await api('POST', '/api/account', {
      username: 'viewer',
      password: 'viewer-pass-1',
      role: 'user',
    });
    expect(created.status).toBe(201);
    const asUser = await login(berth.url, 'viewer', 'viewer-pass-1');
    const get = async (path: string, bearer: string) =>
      (
        await fetch(`${berth.url}${path}`, { headers: { authorization: `Bearer ${bearer}` } })
      ).text();
    /** The change stream from the start, as read in one second. */
    const streamed = async (bearer: string) => {
      const response = await fetch(
        `${berth.url}/api/events/stream?from=1&type=EngineHealthChanged`,
        {
          headers: { authorization: `Bearer ${bearer}` },
          signal: AbortSignal.timeout(1000),
        },
      );
      let text = '';
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body as AsyncIterable<Uint8Array>)
          text += decoder.decode(chunk, { stream: true });
      } catch {
        // the timeout ends it
      }
      return [...text.matchAll(/^data: (.*)$/gm)].map(
        (m) => JSON.parse(m[1] ?? '{}') as AuditEvent,
      );
    };
    /** The unhealthy verdicts, oldest first (the list is newest first, the stream oldest). */
    const unhealthy = (events: AuditEvent[]) =>
      events
        .filter((e) => e.message.includes(' is unhealthy'))
        .sort((a, b) => a.position - b.position);
    const listed = async (bearer: string) =>
      unhealthy(
        JSON.parse(
          await get('/api/events?type=EngineHealthChanged&count=100', bearer),
        ) as AuditEvent[],
      );

    // host-1 refused (dockerd stopped), host-2 timed out (frozen): two different stories.
    const forAdmin = await listed(token);
    const adminMessages = forAdmin.map((e) => e.message);
    console.log(`admin reads: ${JSON.stringify(adminMessages)}`);
    expect(forAdmin.map((e) => e.refs.engine).sort()).toEqual(['host-1', 'host-2']);
    expect(adminMessages.every((m) => /unhealthy: no answer to \/_ping/.test(m))).toBe(true);
    expect(new Set(adminMessages.map((m) => m.split(': ').slice(1).join(': '))).size).toBe(2);

    const unreachable = forAdmin.map((e) => ({
      ...e,
      message: `engine ${e.refs.engine ?? ''} is unhealthy: unreachable`,
    }));
    expect(await listed(asUser)).toEqual(unreachable);
    expect(unhealthy(await streamed(asUser))).toEqual(unreachable);
    expect(unhealthy(await streamed(token))).toEqual(forAdmin);

    // The engines themselves show a status and no reason, to anyone.
    const engines = JSON.parse(await get('/api/engines', asUser)) as Engine[];
    expect(engines.map((e) => Object.keys(e.health).sort())).toEqual(
      engines.map(() => ['checkedAt', 'responseTimeMs', 'status']),
    );
    expect(await get('/api/engines/host-1', asUser)).not.toMatch(/ping|refused|ECONN|within/i);
  });

  it('marks a host lost when its agent is killed and its lease expires', async () => {
    agents.get('host-3')?.kill('SIGKILL');
    const lostMs = await within(6000, 'lost after the agent died', statusIs('host-3', 'lost'));
    expect(lostMs).toBeGreaterThan(500); // it waited for the lease, not for the process
    const info = (await api('GET', '/api/cluster/info')).body as { engineCount: number };
    expect(info.engineCount).toBe(2);
    await startAgent(hosts[2] as TestHost);
    await within(3000, 'back after a new agent', statusIs('host-3', 'healthy'));
  });

  it('removes a host from the pool when its agent exits cleanly', async () => {
    agents.get('host-3')?.kill('SIGTERM');
    await within(
      3000,
      'removed after a clean exit',
      async () => (await api('GET', '/api/engines/host-3')).status === 404,
    );
    const log = berth.openLog();
    const history = await log.readStream('engine-host-3');
    await log.close();
    expect(history.map((e) => e.type)).toEqual([
      'EngineAdded',
      'EngineLost',
      'EngineAdded',
      'EngineRemoved',
    ]);
    expect(history.map((e) => (e.data as { reason?: string }).reason)).toEqual([
      'registered by its agent',
      'agent registration expired',
      'registered by its agent',
      'agent deregistered',
    ]);
  });
});

describe('adding engines by hand', () => {
  let notDocker: Server;
  let notDockerPort = 0;
  beforeAll(async () => {
    notDocker = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>hello</h1>'),
    );
    await new Promise<void>((resolve) => notDocker.listen(0, '127.0.0.1', resolve));
    notDockerPort = (notDocker.address() as { port: number }).port;
  });
  afterAll(() => void notDocker.close());

  it('refuses an address where nothing listens or where the server is not Docker, appending nothing', async () => {
    const log = berth.openLog();
    const before = (await log.readAll(1, { filter: { streamPrefix: 'engine-' } })).length;
    const nothing = await api('POST', '/api/engines', { id: 'ghost', addr: 'tcp://127.0.0.1:1' });
    expect(nothing.status).toBe(422);
    expect(nothing.body).toMatchObject({
      error: { code: 'rejected', field: 'addr', message: expect.stringContaining('ECONNREFUSED') },
    });
    const web = await api('POST', '/api/engines', {
      id: 'web',
      addr: `tcp://127.0.0.1:${notDockerPort}`,
    });
    expect(web.status).toBe(422);
    expect(web.body).toMatchObject({
      error: { code: 'rejected', message: expect.stringContaining('not a Docker') },
    });
    expect((await api('POST', '/api/engines', { id: 'x y', addr: 'http://nope' })).status).toBe(
      400,
    );
    expect((await log.readAll(1, { filter: { streamPrefix: 'engine-' } })).length).toBe(before);
    await log.close();
  });

  it('adds a host by hand with its TLS material kept out of every answer, and deletes it', async () => {
    const host = hosts[1] as TestHost;
    const pem = (kind: string) =>
      `-----BEGIN ${kind}-----\nMIIB${kind.length}\n-----END ${kind}-----\n`;
    // The test hosts speak plain HTTP, so TLS material cannot be used here; the socket path is.
    const added = await api('POST', '/api/engines', {
      id: 'by-hand',
      addr: host.socket,
      cpus: 1,
      memory: 512,
      labels: ['manual'],
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      id: 'by-hand',
      cpus: 1,
      memory: 512,
      source: 'manual',
      tlsConfigured: false,
    });
    await within(3000, 'hand-added engine healthy', statusIs('by-hand', 'healthy'));
    const withTls = await api('POST', '/api/engines', {
      id: 'tls-one',
      addr: host.dockerUrl.replace('2375', '2376'),
      tls: { cert: pem('CERTIFICATE'), key: pem('PRIVATE KEY'), ca: pem('CERTIFICATE') },
    });
    expect(withTls.status).toBe(422); // nothing answers TLS on 2376
    expect(JSON.stringify(withTls.body)).not.toContain('PRIVATE KEY');
    expect((await api('DELETE', '/api/engines/by-hand')).status).toBe(204);
    expect((await api('GET', '/api/engines/by-hand')).status).toBe(404);
    expect((await api('DELETE', '/api/engines/by-hand')).status).toBe(404);
  });
});
