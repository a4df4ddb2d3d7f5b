// etcd with authentication on: Berth and its agents reach it with BERTH_ETCD_USER/PASSWORD, and a
// client without them gets nothing.
import { once } from 'node:events';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Engine } from '@berth/contracts';
import { startEtcd, type LocalEtcd } from '@berth/local-infra';
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

const ETCD_PASSWORD = `etcd-${process.pid}-secret`;
let etcd: LocalEtcd;
let berth: BerthProcess;
let host: TestHost;
let downHosts: () => Promise<void>;
let api: ReturnType<typeof apiClient>;

const runAgent = (env: Record<string, string>) =>
  spawnAgent({
    BERTH_ETCD_URL: etcd.url,
    BERTH_AGENT_ID: 'host-1',
    BERTH_DOCKER_URL: host.dockerUrl,
    BERTH_LEASE_TTL_SECONDS: '3',
    ...env,
  });

beforeAll(async () => {
  const started = await startTestHosts(1);
  host = started.hosts[0] as TestHost;
  downHosts = started.down;
  etcd = await startEtcd(join(process.env.TMPDIR ?? '/tmp', `berth-etcd-auth-${Date.now()}`));
  const setup = new Etcd3({ hosts: etcd.url });
  await setup.role('root').create();
  await setup.user('root').create(ETCD_PASSWORD);
  await setup.user('root').addRole('root');
  await setup.auth.authEnable();
  setup.close();
  berth = await spawnBerth({
    BERTH_ADMIN_PASSWORD: 'etcd-auth-admin-1',
    BERTH_ETCD_URL: etcd.url,
    BERTH_ETCD_USER: 'root',
    BERTH_ETCD_PASSWORD: ETCD_PASSWORD,
    BERTH_ANCHOR_INTERVAL_SECONDS: '1',
  });
  const token = await login(berth.url, 'admin', 'etcd-auth-admin-1');
  api = apiClient(berth.url, () => token);
});
afterAll(async () => {
  await berth?.stop();
  await etcd?.stop();
  await downHosts?.();
});

it('runs Berth and an agent against etcd with authentication; without credentials nothing gets in', async () => {
  expect(berth.statuses.at(-1)).toBe(200);
  const joinToken = (await api.get<{ token: string }>('/api/agents/join-token')).body.token;

  // No credentials: neither a raw client nor an agent reaches a key.
  const anonymous = new Etcd3({ hosts: etcd.url });
  await expect(anonymous.getAll().prefix('').keys()).rejects.toThrow(
    /user name is empty|permission denied/i,
  );
  anonymous.close();
  const locked = runAgent({ BERTH_JOIN_TOKEN: joinToken });
  const [code] = (await once(locked.child, 'exit')) as [number];
  expect(code).not.toBe(0);
  expect((await api.get('/api/engines/host-1')).status).toBe(404);

  // With them: the agent registers, the registry admits it, the projector anchors the head.
  const agent = runAgent({
    BERTH_JOIN_TOKEN: joinToken,
    BERTH_ETCD_USER: 'root',
    BERTH_ETCD_PASSWORD: ETCD_PASSWORD,
  });
  await within(10_000, 'host-1 healthy', async () => {
    const engine = (await api.get<Engine>('/api/engines/host-1')).body;
    return engine.health?.status === 'healthy';
  });
  const reader = new Etcd3({
    hosts: etcd.url,
    auth: { username: 'root', password: ETCD_PASSWORD },
  });
  const keys = await reader.getAll().prefix('').keys();
  reader.close();
  expect(keys).toContain('berth/engines/host-1');
  expect(keys.some((k) => k.includes('anchors'))).toBe(true);
  expect(berth.output()).not.toContain(ETCD_PASSWORD);
  agent.child.kill('SIGTERM');
  await once(agent.child, 'exit');
});
