// The web dashboard in a real browser (Debian's chromium through playwright-core) against a
// real Berth on the local Docker: log in, run 3 replicas from the form and watch them run
// without a reload, follow one's log, scale to 1, destroy, read it all in Events; a `user`
// has no Accounts; a bad form value shows the API's own message beside its field; the change
// stream resumes after the connection drops. Screenshots of every page go to test/screenshots.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, Group } from '@berth/contracts';
import { apiClient, login, spawnBerth, within, type BerthProcess } from '@berth/testkit';

const SHOTS = 'test/screenshots';
let berth: BerthProcess;
let browser: Browser;
let adminToken = '';
const groups: string[] = [];

/** The group's containers as the local Docker holds them. */
const inDocker = (group: string) =>
  execFileSync('docker', ['ps', '-aq', '--filter', `label=berth.group=${group}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: 'dash-admin-1', BERTH_LOCAL_ENGINE: 'auto' });
  adminToken = await login(berth.url, 'admin', 'dash-admin-1');
  const api = apiClient(berth.url, () => adminToken);
  const added = await api.post('/api/account', {
    username: 'viewer',
    password: 'viewer-pass-1',
    role: 'user',
  });
  expect(added.status).toBe(201);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  try {
    const api = apiClient(berth.url, () => adminToken);
    for (const group of groups) await api.post(`/api/groups/${group}/scale?count=0`);
    for (const group of groups)
      await within(30_000, `group ${group} gone from Docker`, () =>
        Promise.resolve(inDocker(group).length === 0),
      );
  } finally {
    await berth?.stop();
  }
});

const shoot = (page: Page, name: string) =>
  page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

const openAs = async (username: string, password: string, width = 1280, url = berth.url) => {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(`${url}/`);
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  return page;
};
const nav = async (page: Page, name: string) => {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name, exact: true })
    .click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
};
/** A mark on the window: still there later means the page was never reloaded. */
const markPage = (page: Page) =>
  page.evaluate(() => {
    Object.assign(globalThis, { berthMark: 'same page' });
  });
const stillSamePage = (page: Page) =>
  page.evaluate(() => (globalThis as { berthMark?: string }).berthMark);

it('runs, follows, scales and destroys a service from the browser, live, and shows each step in Events', async () => {
  const page = await openAs('admin', 'dash-admin-1');
  await markPage(page);

  await nav(page, 'Engines');
  await page.locator('tr[data-engine="local"] .badge', { hasText: 'healthy' }).waitFor();
  await shoot(page, 'engines');

  await nav(page, 'Services');
  await page.getByLabel('Name (optional)', { exact: true }).fill('dashweb');
  await page.getByLabel('Image', { exact: true }).fill('berth/busybox:test');
  await page
    .getByLabel('Command', { exact: true })
    .fill(`sh -c 'i=0; while true; do echo "tick-$i $GREETING"; i=$((i+1)); sleep 1; done'`);
  await page.getByLabel('Replicas', { exact: true }).fill('3');
  await page.getByLabel('CPUs', { exact: true }).fill('0.01');
  await page.getByLabel('Memory (MB)', { exact: true }).fill('16');
  await page.getByLabel('Ports', { exact: true }).fill('80');
  await page.getByLabel('Environment', { exact: true }).fill('GREETING=hello');
  await page.getByLabel('Health check command', { exact: true }).fill('true');
  await page.getByLabel('Health check interval (s)', { exact: true }).fill('1');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Accepted' }).waitFor();

  const api = apiClient(berth.url, () => adminToken);
  const group = (await api.get<Group[]>('/api/groups')).body.find((g) => g.name === 'dashweb');
  expect(group).toBeDefined();
  groups.push(group?.id ?? '');
  const row = page.locator('tr', { has: page.getByRole('link', { name: 'dashweb' }) });
  // Pending first, then running: the page follows the change stream.
  await row.locator('.legend', { hasText: '3 running' }).waitFor();
  expect(await stillSamePage(page)).toBe('same page');
  await shoot(page, 'services');

  await nav(page, 'Containers');
  await page.locator('tr[data-container] .badge', { hasText: 'healthy' }).nth(2).waitFor();
  expect(await page.locator('tr[data-container]').count()).toBe(3);
  await shoot(page, 'containers');

  await nav(page, 'Overview');
  await page.locator('.legend', { hasText: '3 running' }).waitFor();
  await shoot(page, 'overview');

  // One replica's live log: lines keep arriving while the page stays open.
  await nav(page, 'Containers');
  await page.locator('tr[data-container] th a').first().click();
  const log = page.getByLabel('Container output', { exact: true });
  await log.filter({ hasText: 'hello' }).waitFor();
  const lines = async () => (await log.textContent())?.match(/tick-\d+/g)?.length ?? 0;
  const before = await lines();
  await within(15_000, 'new log lines arrive', async () => (await lines()) >= before + 2);
  await shoot(page, 'container');

  await nav(page, 'Services');
  await page.getByLabel('Replicas for dashweb', { exact: true }).fill('1');
  await row.getByRole('button', { name: 'Scale' }).click();
  await row.locator('[data-testid="desired"]', { hasText: /^1$/ }).waitFor();
  await row.locator('.legend', { hasText: /^\s*1 running\s*$/ }).waitFor();
  await within(30_000, 'two replicas leave Docker', () =>
    Promise.resolve(inDocker(group?.id ?? '').length === 1),
  );

  await nav(page, 'Containers');
  await page.getByRole('button', { name: 'Destroy' }).click();
  await page.getByRole('button', { name: 'Yes, destroy' }).click();
  await page.locator('tr[data-container]').first().waitFor({ state: 'detached' });
  await within(30_000, 'the last replica leaves Docker', () =>
    Promise.resolve(inDocker(group?.id ?? '').length === 0),
  );
  expect(await stillSamePage(page)).toBe('same page');

  await nav(page, 'Events');
  for (const type of [
    'GroupCreated',
    'ContainerPlaced',
    'ContainerStarted',
    'ContainerHealthChanged',
    'GroupScaled',
    'ContainerReleased',
    'ContainerDestroyed',
  ])
    await page.locator(`li[data-type="${type}"]`).first().waitFor();
  await shoot(page, 'events');
  expect(await stillSamePage(page)).toBe('same page');

  await nav(page, 'Accounts');
  await page.getByRole('rowheader', { name: 'viewer' }).waitFor();
  await shoot(page, 'accounts');
  await page.getByRole('link', { name: 'Password' }).click();
  await page.getByRole('heading', { level: 1, name: 'Change password' }).waitFor();
  await shoot(page, 'password');
  await page.context().close();
});

it("shows the API's own message beside the field a bad form value names, and runs nothing", async () => {
  const page = await openAs('admin', 'dash-admin-1');
  const api = apiClient(berth.url, () => adminToken);
  const spec = { image: 'berth/busybox:test', memory: 3 };
  const direct = await api.post('/api/containers', spec);
  expect(direct.status).toBe(400);
  const { error } = direct.body as { error: { field: string; message: string } };
  expect(error.field).toBe('memory');
  const groupsBefore = (await api.get<Group[]>('/api/groups')).body.length;

  await nav(page, 'Services');
  await page.getByLabel('Image', { exact: true }).fill(spec.image);
  await page.getByLabel('Memory (MB)', { exact: true }).fill(String(spec.memory));
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const message = page.locator('#run-memory-error');
  await message.waitFor();
  expect(await message.textContent()).toBe(error.message);
  expect(await page.getByLabel('Memory (MB)', { exact: true }).getAttribute('aria-invalid')).toBe(
    'true',
  );
  expect(
    await page.getByLabel('Memory (MB)', { exact: true }).getAttribute('aria-describedby'),
  ).toContain('run-memory-error');
  await shoot(page, 'services-error');
  expect((await api.get<Group[]>('/api/groups')).body.length).toBe(groupsBefore);
  await page.context().close();
});

it('gives a user no Accounts, keeps it logged in across a reload, and at 390 px the nav wraps', async () => {
  const page = await openAs('viewer', 'viewer-pass-1', 390);
  const navigation = page.getByRole('navigation', { name: 'Main' });
  for (const name of ['Overview', 'Services', 'Containers', 'Engines', 'Events'])
    expect(await navigation.getByRole('link', { name, exact: true }).count()).toBe(1);
  expect(await navigation.getByRole('link', { name: 'Accounts' }).count()).toBe(0);
  await shoot(page, 'overview-390');

  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  expect(await page.getByLabel('Password', { exact: true }).count()).toBe(0);

  await page.goto(`${berth.url}/#/accounts`);
  await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
  await nav(page, 'Engines');
  await page.locator('tr[data-engine="local"]').waitFor();
  expect(await page.getByRole('heading', { name: 'Add an engine' }).count()).toBe(0);
  await shoot(page, 'engines-390');
  // Nothing is wider than the screen but the tables, which scroll inside their own box.
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
    390,
  );

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  await shoot(page, 'login-390');
  await page.context().close();
});

/**
 * A TCP hop between the browser and Berth that the test can cut: `down()` closes every
 * connection through it and refuses new ones until `up()`, as a dropped network would.
 */
const cuttableHop = async (target: URL) => {
  const sockets = new Set<Socket>();
  let open = true;
  const server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    down: () => {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    up: () => {
      open = true;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
};

it('resumes the change stream with Last-Event-ID after the connection drops', async () => {
  const hop = await cuttableHop(new URL(berth.url));
  const page = await openAs('admin', 'dash-admin-1', 1280, hop.url);
  await nav(page, 'Events');
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  const resumedFrom: string[] = [];
  page.on('request', (request) => {
    const id = request.headers()['last-event-id'];
    if (request.url().includes('/api/events/stream') && id !== undefined) resumedFrom.push(id);
  });
  await markPage(page);

  hop.down();
  await page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor();
  // Happens while the page cannot hear: it must still show up once the stream resumes.
  const api = apiClient(berth.url, () => adminToken);
  const added = await api.post('/api/account', {
    username: 'offline-made',
    password: 'offline-pass-1',
    role: 'user',
  });
  expect(added.status).toBe(201);
  hop.up();

  await page.locator('li[data-type="AccountAdded"]', { hasText: 'offline-made' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  expect(resumedFrom.length).toBeGreaterThan(0);
  expect(await stillSamePage(page)).toBe('same page');
  await page.context().close();
  await hop.close();
});

it('updates and rolls back a service, stops, starts and restarts a replica, adds and removes an engine and an account, changes a password', async () => {
  const page = await openAs('admin', 'dash-admin-1');
  const api = apiClient(berth.url, () => adminToken);
  await nav(page, 'Services');
  await page.getByLabel('Name (optional)', { exact: true }).fill('dashupd');
  await page.getByLabel('Image', { exact: true }).fill('berth/busybox:test');
  await page.getByLabel('Command', { exact: true }).fill('sleep 300');
  await page.getByLabel('CPUs', { exact: true }).fill('0.01');
  await page.getByLabel('Memory (MB)', { exact: true }).fill('16');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const row = page.locator('tr', { has: page.getByRole('link', { name: 'dashupd', exact: true }) });
  await row.locator('.legend', { hasText: '1 running' }).waitFor();
  const group = (await api.get<Group[]>('/api/groups')).body.find((g) => g.name === 'dashupd');
  groups.push(group?.id ?? '');

  await row.getByRole('button', { name: 'Update' }).click();
  await page.getByLabel('New command', { exact: true }).fill('sleep 301');
  await page.getByRole('button', { name: 'Start rolling update' }).click();
  await row.getByRole('cell', { name: 'completed r2' }).waitFor();
  await row.getByRole('button', { name: 'Roll back' }).click();
  await row.getByRole('button', { name: 'Yes, roll back' }).click();
  await row.getByRole('cell', { name: 'completed (rollback) r3' }).waitFor();
  const rolledBack = (await api.get<Group>(`/api/groups/${group?.id ?? ''}`)).body;
  expect(rolledBack.spec.cmd).toEqual(['sleep', '300']);

  // The replica of revision 3 (the one of revision 2 may still be on its way out).
  let id = '';
  await within(30_000, 'a running replica of revision 3', async () => {
    const list = await api.get<Container[]>(`/api/containers?group=${group?.id ?? ''}`);
    id =
      list.body.find((c) => c.revision === rolledBack.revision && c.state === 'running')?.id ?? '';
    return id !== '';
  });
  const startedAt = () =>
    execFileSync('docker', ['inspect', '-f', '{{.State.StartedAt}}', `berth-${id.toLowerCase()}`], {
      encoding: 'utf8',
    }).trim();
  await nav(page, 'Containers');
  await page.getByLabel('Show stopped and destroyed').check();
  const replica = page.locator(`tr[data-container="${id}"]`);
  await replica.getByRole('button', { name: 'Stop' }).click();
  await replica.locator('.badge', { hasText: 'stopped' }).waitFor();
  await replica.getByRole('button', { name: 'Start' }).click();
  await replica.locator('.badge', { hasText: 'running' }).waitFor();
  const beforeRestart = startedAt();
  await replica.getByRole('button', { name: 'Restart' }).click();
  await within(30_000, 'the replica restarted', () =>
    Promise.resolve(startedAt() !== beforeRestart),
  );
  await replica.locator('.badge', { hasText: 'running' }).waitFor();

  await nav(page, 'Engines');
  await page.getByLabel('ID', { exact: true }).fill('second');
  await page.getByLabel('Address', { exact: true }).fill('ftp://nowhere');
  await page.getByRole('button', { name: 'Add engine' }).click();
  await page.locator('#engine-addr-error').waitFor();
  // Taken by `local`: the registry's conflict shows by the field too.
  await page.getByLabel('Address', { exact: true }).fill('unix:///var/run/docker.sock');
  await page.getByRole('button', { name: 'Add engine' }).click();
  await page.locator('#engine-addr-error', { hasText: 'already has the address' }).waitFor();
  // The same Docker through another path (/var/run links to /run): an engine of its own.
  await page.getByLabel('Address', { exact: true }).fill('unix:///run/docker.sock');
  await page.getByRole('button', { name: 'Add engine' }).click();
  const second = page.locator('tr[data-engine="second"]');
  await second.waitFor();
  await second.getByRole('button', { name: 'Remove' }).click();
  await second.getByRole('button', { name: 'Yes, remove' }).click();
  await second.waitFor({ state: 'detached' });

  await nav(page, 'Accounts');
  await page.getByLabel('New username', { exact: true }).fill('pwuser');
  await page.getByLabel('New password', { exact: true }).fill('pw-first-1');
  await page.getByRole('button', { name: 'Add account' }).click();
  await page.getByRole('rowheader', { name: 'pwuser', exact: true }).waitFor();
  await page.getByLabel('New username', { exact: true }).fill('gone');
  await page.getByLabel('New password', { exact: true }).fill('gone-pass-1');
  await page.getByRole('button', { name: 'Add account' }).click();
  const gone = page.locator('tr', {
    has: page.getByRole('rowheader', { name: 'gone', exact: true }),
  });
  await gone.getByRole('button', { name: 'Delete' }).click();
  await gone.getByRole('button', { name: 'Yes, delete' }).click();
  await gone.waitFor({ state: 'detached' });
  await page.context().close();

  const user = await openAs('pwuser', 'pw-first-1');
  await user.getByRole('link', { name: 'Password' }).click();
  await user.getByLabel('Current password', { exact: true }).fill('pw-first-1');
  await user.getByLabel('New password', { exact: true }).fill('pw-second-2');
  await user.getByRole('button', { name: 'Change password' }).click();
  await user.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
  expect(
    (
      await fetch(`${berth.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'pwuser', password: 'pw-second-2' }),
      })
    ).status,
  ).toBe(200);
  await user.context().close();
});
