// No account but an admin can reach an engine's host: 20 host-escaping specs from a `user` are
// each refused with 403 naming the field, nothing is appended and nothing runs; the same specs
// from the admin run on the real local Docker.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, Group, RunAccepted } from '@berth/contracts';
import { spawnBerth, within, type BerthProcess } from '@berth/testkit';

let berth: BerthProcess;
let admin = '';
let user = '';

const call = async (method: string, path: string, token: string, body?: unknown) => {
  const response = await fetch(`${berth.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json: unknown = await response.json();
  return { status: response.status, json };
};
const login = async (username: string, password: string) =>
  ((await call('POST', '/auth/login', '', { username, password })).json as { token: string }).token;
const newestPosition = async () =>
  ((await call('GET', '/api/events?count=1', admin)).json as { position: number }[])[0]?.position ??
  0;

const sleeper = { image: 'berth/busybox:test', cmd: ['sleep', '300'], cpus: 0.01, memory: 8 };
const groups: string[] = [];

beforeAll(async () => {
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: 'policy-admin-1', BERTH_LOCAL_ENGINE: 'auto' });
  admin = await login('admin', 'policy-admin-1');
  await call('POST', '/api/account', admin, {
    username: 'dev',
    password: 'dev-pass-123',
    role: 'user',
  });
  user = await login('dev', 'dev-pass-123');
});
afterAll(async () => {
  for (const group of groups) await call('POST', `/api/groups/${group}/scale?count=0`, admin);
  // The named volume outlives its container: remove it once nothing uses it.
  await within(30_000, 'volume removed', () => {
    try {
      execFileSync('docker', ['volume', 'rm', '-f', 'berth-policy-data'], { stdio: 'ignore' });
      return Promise.resolve(true);
    } catch {
      return Promise.resolve(false);
    }
  });
  await berth.stop();
});

/** Runs `spec` as the admin and waits until its replica is running; returns the container. */
const runAsAdmin = async (spec: Record<string, unknown>) => {
  const run = await call('POST', '/api/containers', admin, { ...sleeper, ...spec });
  expect(run.status, JSON.stringify(run.json)).toBe(202);
  const { group } = run.json as RunAccepted;
  groups.push(group);
  return group;
};
const runningContainerOf = (group: string) =>
  within(30_000, `group ${group} running`, async () => {
    const read = (await call('GET', `/api/groups/${group}`, admin)).json as Group;
    return read.replicas.running === 1;
  });

it('refuses 20 host-escaping specs to a user by field, appending nothing, and runs them for the admin', async () => {
  // A running container for the specs that join another's namespaces or link to it.
  const base = await runAsAdmin({});
  await runningContainerOf(base);
  const [baseId] = ((await call('GET', `/api/groups/${base}`, admin)).json as Group).containers;
  const baseName = `berth-${(baseId ?? '').toLowerCase()}`;

  const escapes: [field: string, spec: Record<string, unknown>][] = [
    ['volumes.0', { volumes: ['/:/host:ro'] }],
    ['volumes.0', { volumes: ['/etc:/hostetc'] }],
    ['volumes.1', { volumes: ['data:/data', '/tmp:/t'] }],
    ['networkMode', { networkMode: 'host' }],
    ['networkMode', { networkMode: `container:${baseName}` }],
    ['links', { links: [`${baseName}:db`] }],
    ['cpuset', { cpuset: '0' }],
    ['privileged', { privileged: true }],
    ['capAdd', { capAdd: ['NET_ADMIN'] }],
    ['capAdd', { capAdd: ['SYS_ADMIN'] }],
    ['devices', { devices: ['/dev/null:/dev/berthnull'] }],
    ['pidMode', { pidMode: 'host' }],
    ['pidMode', { pidMode: `container:${baseName}` }],
    ['ipcMode', { ipcMode: 'host' }],
    ['utsMode', { utsMode: 'host' }],
    ['usernsMode', { usernsMode: 'host' }],
    ['sysctls', { sysctls: { 'net.ipv4.ip_forward': '1' } }],
    ['securityOpt', { securityOpt: ['no-new-privileges'] }],
    ['securityOpt', { securityOpt: ['seccomp=unconfined'] }],
    ['cgroupParent', { cgroupParent: '/berth-policy-test' }],
  ];

  const before = await newestPosition();
  for (const [field, spec] of escapes) {
    const refused = await call('POST', '/api/containers', user, { ...sleeper, ...spec });
    expect([refused.status, refused.json], field).toMatchObject([
      403,
      { error: { code: 'forbidden', field } },
    ]);
  }
  expect(await newestPosition()).toBe(before);
  expect((await call('GET', '/api/containers?all=true', admin)).json).toHaveLength(1); // base

  // A named volume is no escape.
  const named = await call('POST', '/api/containers', user, {
    ...sleeper,
    volumes: ['berth-policy-data:/data'],
  });
  expect(named.status).toBe(202);
  groups.push((named.json as RunAccepted).group);

  const admitted = [];
  for (const [field, spec] of escapes) admitted.push([field, await runAsAdmin(spec)] as const);
  for (const [field, group] of admitted) {
    // This sandbox's dockerd cannot grant a privileged container its capabilities; Docker
    // itself refuses it there, after Berth accepted and placed it.
    if (field === 'privileged') continue;
    await runningContainerOf(group);
  }
  const listed = (await call('GET', '/api/containers', admin)).json as Container[];
  expect(listed.filter((c) => c.state === 'running').length).toBeGreaterThanOrEqual(20);
});
