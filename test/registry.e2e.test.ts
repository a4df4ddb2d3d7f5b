// Private images: an admin stores a registry's credentials (sealed), pulls authenticate with
// them, and an update of a pulling service replaces nothing while the registry's digest for
// its tag stays the same — and every replica once it moved. Against a real registry (Debian's
// docker-registry, htpasswd auth) on loopback.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '@berth/local-infra';
import type { Container, Group, RunAccepted } from '@berth/contracts';
import { apiClient, login, spawnBerth, within, type BerthProcess } from '@berth/testkit';

const exec = promisify(execFile);
const run = randomBytes(4).toString('hex');
const password = `pull-${randomBytes(12).toString('hex')}`;
let berth: BerthProcess;
let api: ReturnType<typeof apiClient>;
let registry: ChildProcess | undefined;
let host = '';
let dir = '';
let image = '';
const groups: string[] = [];

const docker = async (...args: string[]) =>
  (
    await exec('docker', args).catch((error: unknown) => {
      const e = error as { code?: number; stderr?: string };
      throw new Error(`docker ${args.join(' ')}: exit ${e.code ?? '?'}: ${e.stderr ?? ''}`);
    })
  ).stdout.trim();

/** Pushes the test image, serving `version` from /www, as `image` (the same tag each time). */
const pushVersion = async (version: string) => {
  const maker = `berth-registry-${run}-${version}`;
  await docker(
    'run',
    '--name',
    maker,
    '--label',
    `berth.test=${run}`,
    'berth/busybox:test',
    'sh',
    '-c',
    `echo ${version} > /www/index.html`,
  );
  await docker('commit', '--change', `LABEL berth.test=${run}`, maker, image);
  await docker('rm', maker);
  await docker('--config', join(dir, 'docker'), 'push', image);
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-registry-'));
  const port = await freePort();
  host = `127.0.0.1:${port}`;
  image = `${host}/berth-${run}/web:latest`;
  const { stdout: htpasswd } = await exec('htpasswd', ['-nbB', 'deploy', password]);
  writeFileSync(join(dir, 'htpasswd'), htpasswd);
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: {level: error}',
      `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}}`,
      `http: {addr: "${host}"}`,
      `auth: {htpasswd: {realm: berth-test, path: ${join(dir, 'htpasswd')}}}`,
    ].join('\n'),
  );
  registry = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  await within(10_000, 'the registry answering', () =>
    fetch(`http://${host}/v2/`).then(
      (r) => r.status === 401,
      () => false,
    ),
  );
  await exec(
    'sh',
    [
      '-c',
      `printf %s "$PW" | docker --config ${join(dir, 'docker')} login -u deploy --password-stdin ${host}`,
    ],
    { env: { ...process.env, PW: password } },
  );
  await pushVersion('v1');
  await docker('rmi', image); // only the registry has it now

  berth = await spawnBerth({
    BERTH_ADMIN_PASSWORD: 'registry-admin-1',
    BERTH_LOCAL_ENGINE: 'auto',
  });
  const token = await login(berth.url, 'admin', 'registry-admin-1');
  api = apiClient(berth.url, () => token);
  await within(30_000, 'engine local healthy', async () => {
    const { body } = await api.get<{ id: string; health: { status: string } }[]>('/api/engines');
    return body.some((e) => e.id === 'local' && e.health.status === 'healthy');
  });
}, 120_000);

afterAll(async () => {
  for (const group of groups) {
    const ids = (await docker('ps', '-aq', '--filter', `label=berth.group=${group}`)).split('\n');
    for (const id of ids.filter(Boolean)) await docker('rm', '-f', id);
  }
  await berth?.stop();
  registry?.kill('SIGTERM');
  const images = (await docker('images', '-q', '--filter', `label=berth.test=${run}`)).split('\n');
  for (const id of new Set(images.filter(Boolean))) await docker('rmi', '-f', id).catch(() => '');
  rmSync(dir, { recursive: true, force: true });
});

const spec = () => ({
  image: '',
  cmd: ['httpd', '-f', '-p', '80', '-h', '/www'],
  ports: [{ container: 80 }],
  cpus: 0.05,
  memory: 16,
});
const replicasOf = async (group: string) =>
  (await api.get<Container[]>(`/api/containers?all=true&group=${group}`)).body;
const served = async (c: Container) => {
  const port = c.ports[0]?.host;
  return fetch(`http://127.0.0.1:${port}/`).then(
    async (r) => (await r.text()).trim(),
    () => '',
  );
};

it('fails a pull without credentials, with the registry saying why', async () => {
  const answer = await api.post<RunAccepted>('/api/containers?pull=true', {
    ...spec(),
    image,
  });
  expect(answer.status).toBe(202);
  groups.push(answer.body.group);
  let failed: Container | undefined;
  await within(30_000, 'the replica failing', async () => {
    failed = (await replicasOf(answer.body.group)).find((c) => c.state === 'failed');
    return failed !== undefined;
  });
  expect(failed?.reason).toMatch(/pull of .* failed: .*(auth|unauthorized)/i);
  expect((await api.post(`/api/groups/${answer.body.group}/scale?count=0`)).status).toBe(202);
});

it('stores credentials sealed, admin only, and never shows the password', async () => {
  expect(
    (await api.call('PUT', '/api/registries/not a host', { username: 'x', password: 'y' })).body,
  ).toMatchObject({ error: { code: 'invalid', field: 'registry' } });
  const missing = await api.call('PUT', `/api/registries/${host}`, { username: 'deploy' });
  expect(missing.status).toBe(400);
  expect(missing.body).toMatchObject({ error: { field: 'password' } });

  const set = await api.call('PUT', `/api/registries/${host}`, { username: 'deploy', password });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
  expect(set.body).toMatchObject({ registry: host, username: 'deploy' });
  const listed = await api.get('/api/registries');
  expect(listed.body).toEqual([{ registry: host, username: 'deploy', setAt: expect.any(String) }]);

  // A user may not read or set them.
  const user = await api.post('/api/account', {
    username: `dev${run}`,
    password: 'dev-pass-123',
    role: 'user',
  });
  expect(user.status).toBe(201);
  const devToken = await login(berth.url, `dev${run}`, 'dev-pass-123');
  const dev = apiClient(berth.url, () => devToken);
  expect((await dev.get('/api/registries')).status).toBe(403);
  expect(
    (await dev.call('PUT', `/api/registries/${host}`, { username: 'a', password: 'b' })).status,
  ).toBe(403);

  // The events say what happened, not the password; nor does the data directory hold it.
  const events = await api.get('/api/events?count=50');
  expect(JSON.stringify(events.body)).toContain(`registry ${host}: pulls authenticate as deploy`);
  expect(JSON.stringify(events.body)).not.toContain(password);
  const files = readdirSync(berth.dataDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
  expect(files.filter((f) => readFileSync(f).includes(password))).toEqual([]);
});

it('pulls with them; an update with the same digest replaces nothing, a new digest rolls every replica', async () => {
  const answer = await api.post<RunAccepted>('/api/containers?pull=true&count=2', {
    ...spec(),
    image,
    name: `web${run}`,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  const { group } = answer.body;
  groups.push(group);
  await within(
    60_000,
    'two replicas running',
    async () => (await replicasOf(group)).filter((c) => c.state === 'running').length === 2,
  );
  const first = await replicasOf(group);
  await within(10_000, 'v1 served', async () =>
    (await Promise.all(first.map(served))).every((v) => v === 'v1'),
  );

  // Same tag, same digest in the registry: nothing to do.
  const same = await api.post<{ revision: number | null }>(`/api/groups/web${run}/update`, {});
  expect(same.status, JSON.stringify(same.body)).toBe(202);
  expect(same.body.revision).toBeNull();
  expect((await replicasOf(group)).map((c) => c.dockerId).sort()).toEqual(
    first.map((c) => c.dockerId).sort(),
  );

  // A new image behind the same tag: the update rolls to it.
  await pushVersion('v2');
  await docker('rmi', image);
  const moved = await api.post<{ revision: number | null }>(`/api/groups/web${run}/update`, {
    strategy: { monitorSeconds: 0 },
  });
  expect(moved.body.revision).toBe(2);
  await within(90_000, 'the update completed', async () => {
    const g = (await api.get<Group>(`/api/groups/${group}`)).body;
    return g.update?.state === 'completed' && g.update.revision === 2;
  });
  // The old replicas leave once the router has drained them.
  const live = async () => (await replicasOf(group)).filter((c) => c.state !== 'destroyed');
  await within(30_000, 'only revision 2 left', async () =>
    (await live()).every((c) => c.revision === 2),
  );
  const now = await live();
  expect(now.map((c) => [c.revision, c.state])).toEqual([
    [2, 'running'],
    [2, 'running'],
  ]);
  expect(now.some((c) => first.some((f) => f.dockerId === c.dockerId))).toBe(false);
  expect(await Promise.all(now.map(served))).toEqual(['v2', 'v2']);

  // Removed once; a second removal has nothing to remove.
  expect((await api.delete(`/api/registries/${host}`)).status).toBe(204);
  expect((await api.get('/api/registries')).body).toEqual([]);
  expect((await api.delete(`/api/registries/${host}`)).status).toBe(404);
});
