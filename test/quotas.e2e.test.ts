// Quotas: an admin limits an account's replicas, CPUs and memory; the scheduler refuses a run
// or scale-up past them (403 quota_exceeded naming the field, nothing appended), also when
// many runs arrive at once, and a destroy frees what it held. Real Docker (this machine's).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type {
  AccountWithQuota,
  AuditEvent,
  Container,
  ErrorBody,
  Group,
  RunAccepted,
} from '@berth/contracts';
import { apiClient, spawnBerth, within, type BerthProcess } from '@berth/testkit';

let berth: BerthProcess;
const tokens: Record<string, string> = {};
const as = (who: string) => apiClient(berth.url, () => tokens[who] ?? '');

const login = async (username: string, password: string) => {
  const answer = await as('').post<{ token: string }>('/auth/login', { username, password });
  tokens[username] = answer.body.token;
};
const addUser = async (username: string) => {
  await as('admin').post('/api/account', {
    username,
    password: `${username}-pass-123`,
    role: 'user',
  });
  await login(username, `${username}-pass-123`);
};
const newestPosition = async () =>
  (await as('admin').get<AuditEvent[]>('/api/events?count=1')).body[0]?.position ?? 0;
/** What the scheduler appended after `position` (heartbeats of the engine may come meanwhile). */
const scheduledSince = async (position: number) =>
  (await as('admin').get<AuditEvent[]>('/api/events?count=200')).body.filter(
    (e) => e.position > position && e.stream === 'schedule',
  );
const setQuota = (who: string, username: string, quota: unknown) =>
  as(who).call<AccountWithQuota & ErrorBody>('PUT', `/api/accounts/${username}/quota`, quota);
const sleeper = { image: 'berth/busybox:test', cmd: ['sleep', '300'], cpus: 0.01, memory: 8 };
const runAs = (who: string, count: number, more: Record<string, unknown> = {}) =>
  as(who).post<RunAccepted & ErrorBody>(`/api/containers?count=${count}`, {
    ...sleeper,
    ...more,
  });

/** A 403 quota_exceeded naming `field`, after which the log is where it was. */
const expectRefused = async (
  answer: Promise<{ status: number; body: ErrorBody }>,
  field: string,
  limit: string,
) => {
  const before = await newestPosition();
  const { status, body } = await answer;
  expect(status).toBe(403);
  expect(body.error).toMatchObject({ code: 'quota_exceeded', field });
  expect(body.error.message).toContain(limit);
  expect(await scheduledSince(before)).toEqual([]);
};

beforeAll(async () => {
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: 'quotas-admin-1', BERTH_LOCAL_ENGINE: 'auto' });
  await login('admin', 'quotas-admin-1');
  await addUser('ann');
  await addUser('dan');
});
afterAll(async () => {
  // Scale every group to 0 so this machine's Docker is left as it was.
  const groups = (await as('admin').get<Group[]>('/api/groups')).body;
  await Promise.all(groups.map((g) => as('admin').post(`/api/groups/${g.id}/scale?count=0`)));
  await within(60_000, 'every replica removed', async () => {
    const all = (await as('admin').get<Container[]>('/api/containers?all=true')).body;
    return all.every((c) => c.state === 'destroyed');
  });
  await berth.stop();
});

it('holds a user to the replica quota an admin set; destroying a replica frees its share', async () => {
  // Defaults until an admin sets anything; an admin has none.
  const defaults = (await as('ann').get<AccountWithQuota>('/api/me')).body;
  expect(defaults).toMatchObject({
    username: 'ann',
    quota: { replicas: 50, cpus: 8, memory: 16_384 },
    usage: { replicas: 0, cpus: 0, memory: 0 },
  });
  expect((await as('admin').get<AccountWithQuota>('/api/me')).body.quota).toEqual({
    replicas: null,
    cpus: null,
    memory: null,
  });

  const set = await setQuota('admin', 'ann', { replicas: 3 });
  expect(set.status).toBe(200);
  expect(set.body.quota).toEqual({ replicas: 3, cpus: 8, memory: 16_384 });
  const events = (await as('admin').get<AuditEvent[]>('/api/events?count=1')).body;
  expect(events[0]).toMatchObject({ type: 'AccountQuotaSet', stream: 'account-ann' });

  await expectRefused(runAs('ann', 4), 'count', 'at most 3 replicas, 0 reserved');
  const run = await runAs('ann', 3);
  expect(run.status).toBe(202);
  await expectRefused(
    as('ann').post(`/api/groups/${run.body.group}/scale?count=4`),
    'count',
    'at most 3 replicas, 3 reserved',
  );
  await expectRefused(runAs('ann', 1), 'count', 'at most 3 replicas, 3 reserved');
  expect((await as('admin').get<AccountWithQuota>('/api/accounts/ann')).body.usage).toEqual({
    replicas: 3,
    cpus: 0.03,
    memory: 24,
  });

  expect((await as('ann').delete(`/api/containers/${run.body.containers[0] ?? ''}`)).status).toBe(
    202,
  );
  const again = await runAs('ann', 1);
  expect(again.status).toBe(202);
  await within(30_000, "ann's replicas running", async () => {
    const groups = (await as('ann').get<Group[]>('/api/groups')).body;
    return groups.reduce((sum, g) => sum + g.replicas.running, 0) === 3;
  });
});

it('accepts exactly the quota when runs arrive at once', async () => {
  expect((await setQuota('admin', 'dan', { replicas: 5 })).status).toBe(200);
  const answers = await Promise.all(Array.from({ length: 20 }, () => runAs('dan', 1)));
  const statuses = answers.map((a) => a.status).sort();
  expect(statuses).toEqual([...Array<number>(5).fill(202), ...Array<number>(15).fill(403)]);
  for (const refused of answers.filter((a) => a.status === 403))
    expect(refused.body.error).toMatchObject({ code: 'quota_exceeded', field: 'count' });
  expect((await as('dan').get<Group[]>('/api/groups')).body).toHaveLength(5);
  expect((await as('dan').get<AccountWithQuota>('/api/me')).body.usage.replicas).toBe(5);
});

it('names cpus and memory when they are the limit passed', async () => {
  await addUser('cy');
  expect((await setQuota('admin', 'cy', { cpus: 0.5, memory: 100 })).status).toBe(200);
  await expectRefused(runAs('cy', 1, { cpus: 0.6 }), 'cpus', 'at most 0.5 CPUs');
  await expectRefused(runAs('cy', 2, { memory: 64 }), 'memory', 'at most 100 MB of memory');
  expect((await runAs('cy', 1, { cpus: 0.5, memory: 64 })).status).toBe(202);
  // Going back to the defaults (null or left out) lifts the tighter limits.
  const reset = await setQuota('admin', 'cy', { cpus: null });
  expect(reset.body.quota).toEqual({ replicas: 50, cpus: 8, memory: 16_384 });
});

it('refuses a bad quota body naming the field, and any quota from a user', async () => {
  const before = await newestPosition();
  for (const [body, field] of [
    [{ replicas: -1 }, 'replicas'],
    [{ replicas: 1.5 }, 'replicas'],
    [{ cpus: 'many' }, 'cpus'],
    [{ memory: 0.5 }, 'memory'],
    [{ disk: 10 }, 'disk'],
  ] as const) {
    const answer = await setQuota('admin', 'ann', body);
    expect([field, answer.status, answer.body.error.field]).toEqual([field, 400, field]);
  }
  expect((await setQuota('admin', 'nobody', { replicas: 1 })).status).toBe(404);
  const byUser = await setQuota('ann', 'ann', { replicas: 100 });
  expect(byUser.status).toBe(403);
  expect(byUser.body.error.code).toBe('forbidden');
  expect((await as('ann').get('/api/accounts/ann')).status).toBe(403);
  const appended = (await as('admin').get<AuditEvent[]>('/api/events?count=200')).body;
  expect(appended.filter((e) => e.position > before && e.type === 'AccountQuotaSet')).toEqual([]);
});

it('sets and shows quotas from the command line', async () => {
  const home = mkdtempSync(join(tmpdir(), 'berth-quota-cli-'));
  /** `berth ARGS…` as `who` (each with its own saved login); never throws. */
  const berthCli = async (who: string, ...args: string[]) => {
    const env = { ...process.env, XDG_CONFIG_HOME: join(home, who), BERTH_URL: '' };
    try {
      const run = promisify(execFile)(process.execPath, ['libs/cli/bin/berth.js', ...args], {
        env,
        timeout: 30_000,
      });
      return { code: 0, ...(await run) };
    } catch (error) {
      return error as { code: number; stdout: string; stderr: string };
    }
  };
  try {
    for (const [who, password] of [
      ['admin', 'quotas-admin-1'],
      ['ann', 'ann-pass-123'],
    ] as const)
      expect(
        (await berthCli(who, 'login', '--url', berth.url, '-u', who, '-p', password)).code,
      ).toBe(0);
    const set = await berthCli(
      'admin',
      'account',
      'quota',
      'ann',
      '--replicas',
      '7',
      '--memory',
      '1g',
    );
    expect(set.stdout.trim()).toBe(
      'Quota set: ann: 3 of 7 replicas, 0.03 of 8 CPUs, 24 of 1024 MB',
    );
    const shown = JSON.parse((await berthCli('ann', 'me', '--json')).stdout) as AccountWithQuota;
    expect(shown.quota).toEqual({ replicas: 7, cpus: 8, memory: 1024 });
    const refused = await berthCli('ann', 'account', 'quota', 'ann', '--replicas', '99');
    expect([refused.code, refused.stderr]).toEqual([
      1,
      expect.stringMatching(/role user may not PUT/),
    ]);
    expect((await berthCli('admin', 'account', 'quota', 'ann', '--replicas', 'lots')).code).toBe(2);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
