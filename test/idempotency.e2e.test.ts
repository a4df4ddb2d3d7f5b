// Safe retries over HTTP: one Idempotency-Key is one command, whoever retries it and however often.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Group, RunAccepted } from '@berth/contracts';
import {
  addHealthyEngine,
  apiClient,
  login,
  spawnBerth,
  startTestHosts,
  within,
  type BerthProcess,
  type TestHost,
} from '@berth/testkit';

let berth: BerthProcess;
let downHosts: () => Promise<void>;
let admin: ReturnType<typeof apiClient>;
let adminToken = '';
let userToken = '';

const spec = { image: 'berth/busybox:test', cmd: ['sleep', '600'], cpus: 0.1, memory: 16 };

/** A request as a retrying client sends it: with an Idempotency-Key. */
const send = async (token: string, method: string, path: string, key: string, body?: unknown) => {
  const response = await fetch(`${berth.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const groupCount = async () => (await admin.get<Group[]>('/api/groups')).body.length;
type Listed = { commandId: string; actor: string; refs: { group?: string } };
/** The events the admin's own command about `group` appended (not what reacted to them). */
const commandEvents = async (group: string) => {
  const events = (await admin.get<Listed[]>('/api/events?count=1000')).body;
  const ids = new Set(
    events.filter((e) => e.refs.group === group && e.actor === 'admin').map((e) => e.commandId),
  );
  return events.filter((e) => ids.has(e.commandId));
};

beforeAll(async () => {
  const hosts = await startTestHosts(1);
  downHosts = hosts.down;
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: 'idem-admin-pass' });
  adminToken = await login(berth.url, 'admin', 'idem-admin-pass');
  admin = apiClient(berth.url, () => adminToken);
  await addHealthyEngine(admin, 'idem-1', (hosts.hosts[0] as TestHost).dockerUrl);
  expect(
    (await admin.post('/api/account', { username: 'ivy', password: 'ivy-pass-123', role: 'user' }))
      .status,
  ).toBe(201);
  userToken = await login(berth.url, 'ivy', 'ivy-pass-123');
});
afterAll(async () => {
  await berth.stop();
  await downHosts();
});

describe('Idempotency-Key', () => {
  it('makes the same POST /api/containers sent twice one group, answered twice alike', async () => {
    const key = randomUUID();
    const groups = await groupCount();
    const first = await send(adminToken, 'POST', '/api/containers?count=2', key, spec);
    const group = (first.body as RunAccepted).group;
    const appended = await commandEvents(group);
    const second = await send(adminToken, 'POST', '/api/containers?count=2', key, spec);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(group).not.toBe('');
    expect(appended.length).toBeGreaterThan(0);
    expect(second.body).toEqual(first.body);
    expect(await groupCount()).toBe(groups + 1);
    expect(await commandEvents(group)).toEqual(appended); // the retry appended nothing
  });

  it('answers concurrent duplicates with one outcome', async () => {
    const key = randomUUID();
    const groups = await groupCount();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => send(adminToken, 'POST', '/api/containers', key, spec)),
    );
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(answers.map((a) => (a.body as RunAccepted).group)).size).toBe(1);
    expect(await groupCount()).toBe(groups + 1);
  });

  it("scopes a key to its account: another's same key is another command", async () => {
    const key = randomUUID();
    const mine = await send(adminToken, 'POST', '/api/containers', key, spec);
    const theirs = await send(userToken, 'POST', '/api/containers', key, spec);
    expect(theirs.status).toBe(202);
    expect((theirs.body as RunAccepted).group).not.toBe((mine.body as RunAccepted).group);
    // On another route the same key is another command, never the first route's answer.
    const elsewhere = await send(adminToken, 'POST', '/api/account', key, {
      username: 'elsewhere',
      password: 'elsewhere-pass-1',
      role: 'user',
    });
    expect(elsewhere).toMatchObject({ status: 201, body: { username: 'elsewhere' } });
  });

  it('holds for accounts and deletes too', async () => {
    const key = randomUUID();
    const body = { username: 'once', password: 'once-pass-123', role: 'user' };
    const first = await send(adminToken, 'POST', '/api/account', key, body);
    const second = await send(adminToken, 'POST', '/api/account', key, body);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body).toEqual(first.body);

    const run = await send(adminToken, 'POST', '/api/containers', randomUUID(), spec);
    const id = (run.body as RunAccepted).containers[0] ?? '';
    // A repeated restart is not a second restart: Docker is not touched again.
    type Audit = { type: string; refs: { container?: string } };
    const starts = async () =>
      (await admin.get<Audit[]>(`/api/events?count=1000&container=${id}`)).body.filter(
        (e) => e.type === 'ContainerStarted',
      ).length;
    await within(20_000, 'the replica started', async () => (await starts()) === 1);
    const restartKey = randomUUID();
    const restarted = await send(adminToken, 'POST', `/api/containers/${id}/restart`, restartKey);
    const restartedAgain = await send(
      adminToken,
      'POST',
      `/api/containers/${id}/restart`,
      restartKey,
    );
    expect([restarted.status, restartedAgain.status]).toEqual([200, 200]);
    expect(await starts()).toBe(2);

    const destroyKey = randomUUID();
    const destroyed = await send(adminToken, 'DELETE', `/api/containers/${id}`, destroyKey);
    const again = await send(adminToken, 'DELETE', `/api/containers/${id}`, destroyKey);
    expect([destroyed.status, again.status]).toEqual([202, 202]);
    expect(again.body).toEqual(destroyed.body);
  });

  it('refuses a key that is not a UUID with 400 naming the header, and changes nothing', async () => {
    const groups = await groupCount();
    for (const key of ['retry-1', '', '12345678-1234-1234-1234-1234567890123']) {
      const answer = await send(adminToken, 'POST', '/api/containers', key, spec);
      expect(answer.status, key).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: 'invalid', field: 'Idempotency-Key' } });
    }
    expect(await groupCount()).toBe(groups);
  });
});
