// An agent on another host joins a one-machine Berth through its API with the join token: the
// agent runs inside a test host's network namespace, as it would on a second machine.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Engine, Group, RunAccepted } from '@berth/contracts';
import {
  apiClient,
  login,
  spawnAgent,
  spawnBerth,
  startTestHosts,
  within,
  type BerthProcess,
  type TestHost,
} from '@berth/testkit';

let berth: BerthProcess;
let host: TestHost;
let downHosts: () => Promise<void>;
let token = '';
let api: ReturnType<typeof apiClient>;
const agents: ChildProcess[] = [];

/** The agent as the README starts it, on the host: only BERTH_URL and the token are given. */
const startAgent = (joinToken: string) => {
  const agent = spawnAgent(
    {
      BERTH_URL: berth.url,
      BERTH_JOIN_TOKEN: joinToken,
      BERTH_AGENT_ID: 'host-1',
      BERTH_LEASE_TTL_SECONDS: '3',
    },
    host.netns,
  );
  agents.push(agent.child);
  return agent;
};
const joinToken = async () =>
  (await api.get<{ token: string }>('/api/agents/join-token')).body.token;

beforeAll(async () => {
  const started = await startTestHosts(1);
  host = started.hosts[0] as TestHost;
  downHosts = started.down;
  // Berth listens where the host can reach it: this namespace's end of the link.
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: 'join-admin-1', BERTH_HOST: host.peerAddress });
  token = await login(berth.url, 'admin', 'join-admin-1');
  api = apiClient(berth.url, () => token);
});
afterAll(async () => {
  for (const agent of agents) if (agent.exitCode === null) agent.kill('SIGKILL');
  await berth?.stop();
  await downHosts?.();
});

it('refuses an agent with a wrong join token: it exits 1 and is never an engine, nothing appended', async () => {
  const right = await joinToken();
  expect(right).toMatch(/^berth-join-[A-Za-z0-9_-]{43}$/);
  const log = berth.openLog();
  const before = await log.head();

  const wrong = startAgent(`${right.slice(0, -4)}AAAA`);
  const [code] = (await once(wrong.child, 'exit')) as [number];
  expect(code).toBe(1);
  expect(wrong.output()).toContain('Berth refused the join: wrong join token');
  expect(wrong.output()).not.toContain(right);
  expect((await api.get('/api/engines/host-1')).status).toBe(404);
  expect(await log.head()).toBe(before);
  await log.close();

  const refused = await fetch(`${berth.url}/agents/join`, {
    method: 'POST',
    body: JSON.stringify({
      token: 'berth-join-nope',
      id: 'h',
      addr: host.dockerUrl,
      cpus: 1,
      memory: 512,
    }),
  });
  expect([refused.status, await refused.json()]).toMatchObject([
    401,
    { error: { code: 'unauthenticated', field: 'token' } },
  ]);
});

it('admits an agent with the join token as a healthy engine that runs containers, and removes it when the agent stops', async () => {
  const agent = startAgent(await joinToken());
  const joinedMs = await within(10_000, 'host-1 healthy', async () => {
    const engine = (await api.get<Engine | undefined>('/api/engines/host-1')).body;
    return engine?.health?.status === 'healthy';
  });
  console.log(`agent in ${host.netns} joined and healthy after ${joinedMs} ms`);
  const engine = (await api.get<Engine>('/api/engines/host-1')).body;
  expect(engine).toMatchObject({ addr: host.dockerUrl, source: 'agent', insecure: false });

  // Renewals keep it joined past several ttls (3 s) without new events.
  const log = berth.openLog();
  const history = async () => (await log.readStream('engine-host-1')).map((e) => e.type);
  await new Promise((resolve) => setTimeout(resolve, 7000));
  expect(await history()).toEqual(['EngineAdded']);
  expect((await api.get<Engine>('/api/engines/host-1')).body.health.status).toBe('healthy');

  const run = await api.post<RunAccepted>('/api/containers', {
    image: 'berth/busybox:test',
    cmd: ['sleep', '300'],
  });
  expect(run.status).toBe(202);
  const group = run.body.group;
  await within(20_000, 'running on the joined host', async () => {
    return (await api.get<Group>(`/api/groups/${group}`)).body.replicas.running === 1;
  });
  const [container] = (await api.get<Group>(`/api/groups/${group}`)).body.containers;
  expect((await api.delete(`/api/containers/${String(container)}`)).status).toBe(202);

  agent.child.kill('SIGTERM');
  await once(agent.child, 'exit');
  await within(5000, 'removed after the agent left', async () => {
    return (await api.get('/api/engines/host-1')).status === 404;
  });
  expect(await history()).toEqual(['EngineAdded', 'EngineRemoved']);
  await log.close();
});

it('answers 429 to repeated wrong join tokens from one address, and still admits the right one from it', async () => {
  const join = (joinToken: string, extra: Record<string, unknown> = {}) =>
    fetch(`${berth.url}/agents/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: joinToken,
        id: 'host-limits',
        addr: host.dockerUrl,
        cpus: 1,
        memory: 512,
        ...extra,
      }),
    });
  const statuses: number[] = [];
  for (let i = 0; i < 40 && !statuses.includes(429); i++)
    statuses.push((await join('berth-join-guess')).status);
  expect(statuses.at(-1)).toBe(429);
  expect(new Set(statuses.slice(0, -1))).toEqual(new Set([401]));

  const right = await joinToken();
  expect((await join(right)).status).toBe(202);
  await within(10_000, 'host-limits joined', async () => {
    return (await api.get('/api/engines/host-limits')).status === 200;
  });
  expect((await join(right, { leaving: true })).status).toBe(202);
  await within(10_000, 'host-limits removed', async () => {
    return (await api.get('/api/engines/host-limits')).status === 404;
  });
});
