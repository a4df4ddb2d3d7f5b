// Login hardening through every layer: limits counted in JetStream KV before the password
// check, clients told apart behind a trusted proxy, one summary a minute for unknown usernames,
// logout of one token, and the last admin kept under concurrent deletions.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBerth, within, type BerthProcess } from '@berth/testkit';

const ADMIN_PASSWORD = 'hardening-admin-1';
const FREE_ATTEMPTS = 5;
const ADDRESS_LIMIT = 30;
let berth: BerthProcess;
let testStarted = 0;

beforeAll(async () => {
  testStarted = Date.now();
  berth = await spawnBerth({
    BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
    BERTH_TRUSTED_PROXIES: '127.0.0.1',
    BERTH_LOGIN_FREE_ATTEMPTS: String(FREE_ATTEMPTS),
    // Longer than the flood takes, so every attempt after the free ones must wait.
    BERTH_LOGIN_FIRST_DELAY_MS: '20000',
    BERTH_LOGIN_ADDRESS_LIMIT: String(ADDRESS_LIMIT),
  });
  expect(berth.statuses.at(-1), berth.output()).toBe(200);
});
afterAll(() => berth.stop());

type Answer = { status: number; body: unknown; retryAfter: string | null };

const call = async (
  method: string,
  path: string,
  options: { token?: string; body?: unknown; from?: string } = {},
): Promise<Answer> => {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  // Berth trusts 127.0.0.1 as a proxy: the client is the address it forwards for.
  if (options.from !== undefined) headers['x-forwarded-for'] = options.from;
  const response = await fetch(`${berth.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
    retryAfter: response.headers.get('retry-after'),
  };
};

const login = (username: string, password: string, from?: string) =>
  call('POST', '/auth/login', { body: { username, password }, ...(from ? { from } : {}) });
const tokenOf = (answer: Answer) => (answer.body as { token?: string } | undefined)?.token ?? '';

/** A login over a socket bound to `localAddress`, so Berth sees another peer (no proxy). */
const loginFromSocket = (localAddress: string, username: string, password: string) =>
  new Promise<number>((resolve, reject) => {
    const url = new URL('/auth/login', berth.url);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ username, password }));
  });

const tally = (answers: Answer[]) => {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
};

// Unknown usernames whose failures reached the password check; the summaries must add up to it.
let unknownFailures = 0;

describe('login limits', () => {
  it('answers 200 parallel wrong logins for admin with at most the free attempts as 401, the rest 429', async () => {
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => login('admin', `wrong-${i}-guess`, '203.0.113.7')),
    );
    const floodMs = Date.now() - started;
    const counts = tally(answers);
    console.log(
      `200 parallel wrong logins for admin from 203.0.113.7: ${counts[401] ?? 0} × 401, ${counts[429] ?? 0} × 429 in ${floodMs} ms`,
    );
    expect(counts[401]).toBe(FREE_ATTEMPTS);
    expect(counts[429]).toBe(200 - FREE_ATTEMPTS);
    const limited = answers.find((a) => a.status === 429);
    expect(limited?.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(limited?.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(limited?.retryAfter)).toBeLessThanOrEqual(20);

    // The owner, from anywhere else, logs in at once; the flooding address still waits.
    let ownerStarted = Date.now();
    const fromProxy = await login('admin', ADMIN_PASSWORD, '198.51.100.1');
    const viaProxyMs = Date.now() - ownerStarted;
    ownerStarted = Date.now();
    const fromSocket = await loginFromSocket('127.0.0.2', 'admin', ADMIN_PASSWORD);
    const viaSocketMs = Date.now() - ownerStarted;
    console.log(
      `admin right after: ${fromProxy.status} via the proxy for 198.51.100.1 (${viaProxyMs} ms), ${fromSocket} from socket 127.0.0.2 (${viaSocketMs} ms)`,
    );
    expect(fromProxy.status).toBe(200);
    expect(fromSocket).toBe(200);
    const fromFlooder = await login('admin', ADMIN_PASSWORD, '203.0.113.7');
    expect(fromFlooder.status).toBe(429);

    // Each 401 is one LoginFailed, with the forwarded client address.
    const log = berth.openLog();
    const failed = await log.readAll(1, { filter: { types: ['LoginFailed'] } });
    await log.close();
    expect(failed.map((e) => e.data)).toEqual(
      Array.from({ length: FREE_ATTEMPTS }, () => ({
        username: 'admin',
        source: '203.0.113.7',
        reason: 'invalid credentials',
      })),
    );
  });

  it('holds an address to its failures a minute, whatever the usernames', async () => {
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 45 }, (_, i) => login(`nobody-${i}`, 'wrong-password', '203.0.113.8')),
    );
    const floodMs = Date.now() - started;
    const counts = tally(answers);
    console.log(
      `45 parallel logins as unknown usernames from 203.0.113.8: ${counts[401] ?? 0} × 401, ${counts[429] ?? 0} × 429 in ${floodMs} ms`,
    );
    // The address's bucket drains ADDRESS_LIMIT a minute, so a slow flood may pass one more.
    const drained = Math.floor((floodMs * ADDRESS_LIMIT) / 60_000);
    expect(counts[401]).toBeGreaterThanOrEqual(ADDRESS_LIMIT);
    expect(counts[401]).toBeLessThanOrEqual(ADDRESS_LIMIT + drained);
    expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(45);
    unknownFailures += counts[401] ?? 0;
    // Another address is not held back.
    expect((await login('admin', ADMIN_PASSWORD, '203.0.113.9')).status).toBe(200);
  });
});

describe('logout', () => {
  it('revokes exactly the token it is called with', async () => {
    const [first, second] = [
      tokenOf(await login('admin', ADMIN_PASSWORD)),
      tokenOf(await login('admin', ADMIN_PASSWORD)),
    ];
    const started = Date.now();
    expect((await call('POST', '/auth/logout', { token: first })).status).toBe(204);
    const logoutMs = Date.now() - started;
    const afterwards = {
      first: (await call('GET', '/api/cluster/info', { token: first })).status,
      second: (await call('GET', '/api/cluster/info', { token: second })).status,
    };
    console.log(
      `logout in ${logoutMs} ms; then the token logged out answers ${afterwards.first}, the other ${afterwards.second}`,
    );
    expect(afterwards).toEqual({ first: 401, second: 200 });
    expect((await call('POST', '/auth/logout', { token: first })).status).toBe(401);
    expect((await call('POST', '/auth/logout')).status).toBe(401);
  });

  it('is `berth logout` on the command line', async () => {
    const config = mkdtempSync(join(tmpdir(), 'berth-logout-'));
    const berthCli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['libs/cli/bin/berth.js', ...args], {
        env: { ...process.env, XDG_CONFIG_HOME: config, BERTH_URL: '' },
      });
    try {
      await berthCli('login', '--url', berth.url, '-u', 'admin', '-p', ADMIN_PASSWORD);
      expect((await berthCli('clusterinfo')).stdout).toContain('Engines:');
      expect((await berthCli('logout')).stdout).toContain('Logged out.');
      await expect(berthCli('clusterinfo')).rejects.toMatchObject({
        stderr: expect.stringContaining('not logged in'),
      });
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });
});

describe('the last admin', () => {
  it('survives two admins deleting each other at the same time', async () => {
    let survivor = { username: 'admin', token: tokenOf(await login('admin', ADMIN_PASSWORD)) };
    const outcomes: string[] = [];
    for (let round = 1; round <= 5; round++) {
      const other = { username: `admin-${round}`, password: `admin-${round}-password` };
      const added = await call('POST', '/api/account', {
        token: survivor.token,
        body: { ...other, role: 'admin' },
      });
      expect(added.status).toBe(201);
      const otherToken = tokenOf(await login(other.username, other.password));
      const [byFirst, byOther] = await Promise.all([
        call('DELETE', `/api/account?username=${other.username}`, { token: survivor.token }),
        call('DELETE', `/api/account?username=${survivor.username}`, { token: otherToken }),
      ]);
      outcomes.push(`${byFirst.status}/${byOther.status}`);
      expect([byFirst.status, byOther.status].filter((s) => s === 204)).toHaveLength(1);
      if (byOther.status === 204) survivor = { username: other.username, token: otherToken };
      const accounts = (await call('GET', '/api/account', { token: survivor.token })).body as {
        username: string;
        role: string;
      }[];
      expect(accounts.filter((a) => a.role === 'admin')).toEqual([
        expect.objectContaining({ username: survivor.username }),
      ]);
    }
    console.log(`5 rounds of two admins deleting each other at once: ${outcomes.join(', ')}`);
  });
});

describe('failed logins as unknown usernames', () => {
  it('are appended as at most one summary a minute, counting every one', async () => {
    const from = Array.from({ length: 10 }, (_, i) => `198.51.100.${10 + i}`);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        login(`ghost-${i}`, 'wrong-password', from[i % from.length]),
      ),
    );
    expect(tally(answers)).toEqual({ 401: 100 });
    unknownFailures += 100;

    const log = berth.openLog();
    const summaries = async () =>
      log.readAll(1, { filter: { types: ['LoginFailuresSummarized'] } }) as Promise<
        { stream: string; at: string; data: { count: number; since: string; until: string } }[]
      >;
    const waitedMs = await within(130_000, 'the summaries', async () => {
      const counted = (await summaries()).reduce((sum, e) => sum + e.data.count, 0);
      return counted >= unknownFailures;
    });
    const recorded = await summaries();
    const failedAsUnknown = (await log.readAll(1, { filter: { types: ['LoginFailed'] } })).filter(
      (e) => (e.data as { username: string }).username !== 'admin',
    );
    await log.close();
    const minutes = Math.ceil((Date.now() - testStarted) / 60_000);
    console.log(
      `${unknownFailures} failed logins as unknown usernames → ${recorded.length} summary event(s) (${recorded.map((e) => `${e.data.count} at ${e.at}`).join(', ')}) over ${minutes} started minute(s); waited ${waitedMs} ms for them`,
    );
    expect(recorded.reduce((sum, e) => sum + e.data.count, 0)).toBe(unknownFailures);
    expect(new Set(recorded.map((e) => e.stream)).size).toBe(recorded.length);
    expect(recorded.length).toBeLessThanOrEqual(minutes);
    expect(failedAsUnknown).toEqual([]);
  }, 160_000);
});
