// Accounts through every layer: HTTP api → NATS → account service → log → projector → query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBerth, type BerthProcess } from '@berth/testkit';

let berth: BerthProcess;
const ADMIN_PASSWORD = 'admin-secret-1';

beforeAll(async () => {
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD });
  expect(berth.statuses.at(-1), berth.output()).toBe(200);
});
afterAll(() => berth.stop());

const call = async (
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) => {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${berth.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
};

const login = async (username: string, password: string) => {
  const response = await call('POST', '/auth/login', { body: { username, password } });
  return { ...response, token: (response.body as { token?: string } | undefined)?.token ?? '' };
};

describe('accounts, login and access control', () => {
  it('walks: admin adds a user, the user is fenced off accounts, changes password, is deleted', async () => {
    const admin = await login('admin', ADMIN_PASSWORD);
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual({ token: expect.any(String), expiresAt: expect.any(String) });
    const hoursLeft =
      (Date.parse((admin.body as { expiresAt: string }).expiresAt) - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(23.9);
    expect(Buffer.from(admin.token, 'base64url').length).toBeGreaterThanOrEqual(16);

    const added = await call('POST', '/api/account', {
      token: admin.token,
      body: { username: 'carol', password: 'carol-pass-1', role: 'user' },
    });
    expect(added.status).toBe(201);
    const carolId = (added.body as { id: string }).id;
    expect(added.body).toEqual({ id: carolId, username: 'carol', role: 'user' });

    const list = await call('GET', '/api/account', { token: admin.token });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      { id: expect.any(String), username: 'admin', role: 'admin' },
      { id: carolId, username: 'carol', role: 'user' },
    ]);
    expect(JSON.stringify(list.body)).not.toMatch(/hash|salt|password|scrypt/i);
    expect((await call('GET', `/api/account/${carolId}`, { token: admin.token })).body).toEqual({
      id: carolId,
      username: 'carol',
      role: 'user',
      // A user's default quota, and nothing reserved yet.
      quota: { replicas: 50, cpus: 8, memory: 16_384 },
      usage: { replicas: 0, cpus: 0, memory: 0 },
    });

    const carol = await login('carol', 'carol-pass-1');
    expect(carol.status).toBe(200);
    for (const [method, path, body] of [
      ['GET', '/api/account', undefined],
      ['POST', '/api/account', { username: 'mallory', password: 'mallory-pass', role: 'admin' }],
      ['DELETE', '/api/account?username=admin', undefined],
      ['GET', `/api/account/${carolId}`, undefined],
      ['DELETE', `/api/account/${carolId}`, undefined],
      ['PUT', '/api/account', undefined],
    ] as const) {
      const response = await call(method, path, { token: carol.token, body });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body).toMatchObject({ error: { code: 'forbidden' } });
    }
    expect((await call('GET', '/api/cluster/info', { token: carol.token })).status).toBe(200);
    const thesisHeader = await call('GET', '/api/cluster/info', {
      headers: { 'x-access-token': `carol:${carol.token}` },
    });
    expect(thesisHeader.status).toBe(200);
    expect(
      (
        await call('GET', '/api/cluster/info', {
          headers: { 'x-access-token': `admin:${carol.token}` },
        })
      ).status,
    ).toBe(401);

    const wrongOld = await call('POST', '/account/passwdchange', {
      token: carol.token,
      body: { oldPassword: 'nope-nope', newPassword: 'carol-pass-2' },
    });
    expect(wrongOld.status).toBe(422);
    const changed = await call('POST', '/account/passwdchange', {
      token: carol.token,
      body: { oldPassword: 'carol-pass-1', newPassword: 'carol-pass-2' },
    });
    expect(changed.status).toBe(204);
    expect((await call('GET', '/api/cluster/info', { token: carol.token })).status).toBe(401);
    expect((await login('carol', 'carol-pass-1')).status).toBe(401);
    const carolAgain = await login('carol', 'carol-pass-2');
    expect(carolAgain.status).toBe(200);

    expect(
      (await call('DELETE', `/api/account?id=${carolId}`, { token: admin.token })).status,
    ).toBe(204);
    expect((await call('GET', '/api/cluster/info', { token: carolAgain.token })).status).toBe(401);
    const gone = await login('carol', 'carol-pass-2');
    expect(gone.status).toBe(401);
    expect(gone.body).toEqual({
      error: { code: 'unauthenticated', message: 'invalid username or password' },
    });
    expect((await call('GET', '/api/account', { token: admin.token })).body).toHaveLength(1);
  });

  it('refuses duplicates and the deletion of the last admin, naming the field', async () => {
    const admin = await login('admin', ADMIN_PASSWORD);
    const dave = { username: 'dave', password: 'dave-pass-1', role: 'user' };
    expect((await call('POST', '/api/account', { token: admin.token, body: dave })).status).toBe(
      201,
    );
    const duplicate = await call('POST', '/api/account', {
      token: admin.token,
      body: { ...dave, username: 'DAVE' },
    });
    expect(duplicate).toEqual({
      status: 409,
      body: { error: { code: 'conflict', message: 'username dave is taken', field: 'username' } },
    });
    const lastAdmin = await call('DELETE', '/api/account?username=admin', { token: admin.token });
    expect(lastAdmin.status).toBe(422);
    expect(lastAdmin.body).toMatchObject({ error: { code: 'rejected', field: 'username' } });
    expect(
      (await call('DELETE', '/api/account?username=nobody', { token: admin.token })).status,
    ).toBe(404);
    expect((await call('GET', '/api/account', { token: admin.token })).body).toHaveLength(2);
  });

  it('rate-limits failed logins per username with a clear 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login('erin', `guess-${i}-xx`)).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    const limited = await call('POST', '/auth/login', {
      body: { username: 'erin', password: 'whatever1' },
    });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: 'rate_limited' } });
  });

  it('answers a failed login the same whether the account exists or not', async () => {
    const known = await login('admin', 'not-the-password');
    const unknown = await login('nobody-here', 'not-the-password');
    expect(known.status).toBe(401);
    expect(unknown).toEqual(known);
    // The existing account's failure is an event; the unknown name's only joins a count.
    const admin = await login('admin', ADMIN_PASSWORD);
    const events = (
      await call('GET', '/api/events?type=LoginFailed&count=100', { token: admin.token })
    ).body as { message: string }[];
    expect(events.some((e) => e.message.includes(' admin '))).toBe(true);
    expect(events.some((e) => e.message.includes('nobody-here'))).toBe(false);
  });

  it('answers a login with control characters in the username with 400 naming the field', async () => {
    const response = await login('adm\u001b[2Jin', 'whatever-1');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'invalid', field: 'username' } });
  });
});
