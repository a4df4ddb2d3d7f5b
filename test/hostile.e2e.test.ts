// 500 malformed or hostile requests: every answer a 4xx with a JSON error, no 5xx, and the
// log gains nothing but failed-login audit events.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSqliteEventLog } from '@berth/eventlog';
import { spawnBerth, type BerthProcess } from '@berth/testkit';

let berth: BerthProcess;
let adminToken = '';
let userToken = '';

const send = async (
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
) => {
  const response = await fetch(`${berth.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
};

const loginToken = async (username: string, password: string) => {
  const { json } = await send(
    'POST',
    '/auth/login',
    { 'content-type': 'application/json' },
    JSON.stringify({ username, password }),
  );
  return (json as { token: string }).token;
};

beforeAll(async () => {
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: 'hostile-admin-1' });
  adminToken = await loginToken('admin', 'hostile-admin-1');
  await send(
    'POST',
    '/api/account',
    { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    JSON.stringify({ username: 'uma', password: 'uma-pass-12', role: 'user' }),
  );
  userToken = await loginToken('uma', 'uma-pass-12');
});
afterAll(() => berth.stop());

const nasty = [
  "'; DROP TABLE events; --",
  "r.db('berth').table('events').delete()",
  '" OR 1=1 --',
  '$where: function() { return true }',
  '../../etc/passwd',
  '\u0000\u0001\u0002',
  '<script>alert(1)</script>',
  '%00%2e%2e',
  'a'.repeat(65),
  'a'.repeat(10_000),
  '',
  '🙂🙂🙂',
];
const badJson = [
  '{',
  '{"username":',
  'null',
  '[]',
  '"text"',
  '12',
  'undefined',
  '{"a":1}}',
  '\u00ff\u00fe',
  '{"username":"x","password":"y",}',
];

type HostileRequest = [
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | undefined,
];

/** The 500 requests: every kind cycled, with varied payloads. */
const hostileRequests = () => {
  const json = { 'content-type': 'application/json' };
  const admin = { ...json, authorization: `Bearer ${adminToken}` };
  const user = { ...json, authorization: `Bearer ${userToken}` };
  const kinds: ((i: number) => HostileRequest)[] = [
    (i) => ['POST', '/auth/login', json, badJson[i % badJson.length]],
    (i) => ['POST', '/api/account', admin, badJson[i % badJson.length]],
    (i) => ['POST', '/account/passwdchange', user, badJson[i % badJson.length]],
    (i) => ['POST', '/auth/login', json, JSON.stringify({ username: i, password: [i] })],
    (i) => [
      'POST',
      '/api/account',
      admin,
      JSON.stringify({
        username: nasty[i % nasty.length],
        password: 'long-enough-1',
        role: 'user',
      }),
    ],
    (i) => [
      'POST',
      '/api/account',
      admin,
      JSON.stringify({
        username: `ok${i}`,
        password: 'long-enough-1',
        role: ['root', 'ADMIN', 1, null][i % 4],
      }),
    ],
    (i) => [
      'POST',
      '/api/account',
      admin,
      JSON.stringify({
        username: `ok${i}`,
        password: 'long-enough-1',
        role: 'user',
        isAdmin: true,
      }),
    ],
    (i) => [
      'POST',
      '/api/account',
      admin,
      JSON.stringify({ username: `ok${i}`, password: 'short', role: 'user' }),
    ],
    (i) => ['POST', '/api/account', admin, JSON.stringify({ username: `ok${i}` })],
    (i) => [
      'POST',
      '/api/account',
      admin,
      JSON.stringify({ username: `ok${i}`, password: 'x'.repeat(300), role: 'user' }),
    ],
    (i) => [
      'POST',
      '/api/account',
      admin,
      JSON.stringify({ username: `big${i}`, password: 'p'.repeat(70_000 + i), role: 'user' }),
    ],
    (i) => [
      'POST',
      '/auth/login',
      json,
      JSON.stringify({ username: nasty[i % nasty.length], password: `guess-${i}` }),
    ],
    () => [
      'POST',
      '/auth/login',
      json,
      JSON.stringify({ username: 'admin', password: 'wrong-password' }),
    ],
    (i) => [
      'POST',
      '/auth/login',
      json,
      JSON.stringify({ username: 'admin', password: 'hostile-admin-1', extra: i }),
    ],
    (i) => [
      'DELETE',
      `/api/account?id=${encodeURIComponent(nasty[i % nasty.length] ?? '')}`,
      admin,
    ],
    (i) => ['GET', `/api/account/${encodeURIComponent(nasty[i % nasty.length] || 'x')}`, admin],
    () => ['GET', '/api/account', {}],
    (i) => ['GET', '/api/account', { authorization: `Bearer forged-${i}` }],
    () => ['GET', '/api/cluster/info', { authorization: 'Bearer ' }],
    (i) => ['GET', '/api/account', { 'x-access-token': `admin:forged${i}` }],
    () => ['GET', '/api/account', { 'x-access-token': `uma:${userToken}` }],
    () => ['GET', '/api/account', { 'x-access-token': `admin:${userToken}` }],
    () => [
      'GET',
      '/api/account',
      { authorization: `Basic ${Buffer.from('admin:hostile-admin-1').toString('base64')}` },
    ],
    (i) => ['GET', '/api/cluster/info', { authorization: `Bearer ${'t'.repeat(300 + i)}` }],
    () => [
      'POST',
      '/api/account',
      user,
      JSON.stringify({ username: 'sneaky', password: 'sneaky-pass', role: 'admin' }),
    ],
    () => ['DELETE', '/api/account?username=admin', user],
    () => ['GET', '/auth/login', {}],
    () => ['PUT', '/api/account', admin, '{}'],
    () => ['PATCH', '/account/passwdchange', user, '{}'],
    (i) => [
      'POST',
      '/account/passwdchange',
      user,
      JSON.stringify({ oldPassword: `wrong-${i}`, newPassword: 'new-pass-123' }),
    ],
    () => [
      'POST',
      '/account/passwdchange',
      user,
      JSON.stringify({ oldPassword: 'uma-pass-12', newPassword: 'x' }),
    ],
    () => ['DELETE', '/api/account', admin],
    (i) => ['GET', `/api/${nasty[i % nasty.length] ?? ''}`, admin],
  ];
  return Array.from({ length: 500 }, (_, i) =>
    (kinds[i % kinds.length] as (i: number) => HostileRequest)(i),
  );
};

it('answers 500 hostile requests with 4xx JSON errors and appends only failed-login events', async () => {
  const log = openSqliteEventLog({ file: join(berth.dataDir, 'events.db') });
  const before = await log.head();
  const requests = hostileRequests();
  const answers = [];
  for (let i = 0; i < requests.length; i += 10) {
    answers.push(
      ...(await Promise.all(
        requests
          .slice(i, i + 10)
          .map(([method, path, headers, body]) => send(method, path, headers, body)),
      )),
    );
  }
  const problems = answers
    .map((answer, i) => ({ answer, request: requests[i] }))
    .filter(({ answer }) => {
      const error = (answer.json as { error?: { code?: unknown; message?: unknown } } | undefined)
        ?.error;
      return (
        answer.status < 400 ||
        answer.status >= 500 ||
        typeof error?.code !== 'string' ||
        typeof error.message !== 'string'
      );
    })
    .map(
      ({ answer, request }) =>
        `${request?.[0]} ${request?.[1]} ${request?.[3]?.slice(0, 80)} → ${answer.status} ${answer.text.slice(0, 200)}`,
    );
  expect(problems).toEqual([]);

  const appended = await log.readAll(before + 1);
  await log.close();
  expect([...new Set(appended.map((e) => e.type))]).toEqual(
    expect.arrayContaining(['LoginFailed']),
  );
  expect(appended.filter((e) => e.type !== 'LoginFailed')).toEqual([]);
  expect(JSON.stringify(appended)).not.toContain('guess-');

  const accounts = await send('GET', '/api/account', { authorization: `Bearer ${adminToken}` });
  expect((accounts.json as { username: string }[]).map((a) => a.username)).toEqual([
    'admin',
    'uma',
  ]);
  expect((await fetch(`${berth.url}/healthz`)).status).toBe(200);
});
