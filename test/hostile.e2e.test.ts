// 500 malformed or hostile requests: every answer a 4xx with a JSON error, no 5xx, and the
// log gains nothing but failed-login audit events.
import { afterAll, beforeAll, expect, it } from 'vitest';
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
  const log = berth.openLog();
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
  // Failed logins as existing accounts, and (at a minute's turn) the count of unknown ones.
  const audit = ['LoginFailed', 'LoginFailuresSummarized'];
  expect([...new Set(appended.map((e) => e.type))]).toEqual(
    expect.arrayContaining(['LoginFailed']),
  );
  expect(appended.filter((e) => !audit.includes(e.type))).toEqual([]);
  expect(JSON.stringify(appended)).not.toContain('guess-');

  const accounts = await send('GET', '/api/account', { authorization: `Bearer ${adminToken}` });
  expect((accounts.json as { username: string }[]).map((a) => a.username)).toEqual([
    'admin',
    'uma',
  ]);
  expect((await fetch(`${berth.url}/healthz`)).status).toBe(200);
});

/** One refused request: its status and the field its error must name. */
type Refusal = {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  as?: 'admin' | 'user';
  status: number;
  field?: string;
};

const spec = { image: 'berth/busybox:test', cmd: ['sleep', '300'], cpus: 0.01, memory: 8 };
const g = '01J00000000000000000000000';

/** Parameters, addresses and bodies that once reached Docker, read 0, or answered 500. */
const refusals: Refusal[] = [
  ...['', ' ', '1e3', '0x10', '1.5', '-1', '+1', '1001', '9'.repeat(40), 'abc'].map(
    (count): Refusal => ({
      method: 'POST',
      path: `/api/groups/${g}/scale?count=${encodeURIComponent(count)}`,
      status: 400,
      field: 'count',
    }),
  ),
  { method: 'POST', path: `/api/groups/${g}/scale`, status: 400, field: 'count' },
  {
    method: 'POST',
    path: `/api/groups/${g}/scale?count=1&count=1000`,
    status: 400,
    field: 'count',
  },
  ...['', '0', '1e2', '0x10', '2.5', '1001'].map((count): Refusal => ({
    method: 'POST',
    path: `/api/containers?count=${count}`,
    body: spec,
    status: 400,
    field: 'count',
  })),
  {
    method: 'POST',
    path: '/api/containers?count=1&count=2',
    body: spec,
    status: 400,
    field: 'count',
  },
  { method: 'POST', path: '/api/containers?pull=yes', body: spec, status: 400, field: 'pull' },
  { method: 'POST', path: '/api/containers?sneaky=1', body: spec, status: 400, field: 'sneaky' },
  ...[0, 0.005, -1, 2000, '1'].map((cpus): Refusal => ({
    method: 'POST',
    path: '/api/containers',
    body: { ...spec, cpus },
    status: 400,
    field: 'cpus',
  })),
  ...[0, 70_000, 1.5, '80'].map((container): Refusal => ({
    method: 'POST',
    path: '/api/containers',
    body: { ...spec, ports: [{ container }] },
    status: 400,
    field: 'ports.0.container',
  })),
  {
    method: 'POST',
    path: '/api/containers',
    body: { ...spec, ports: [{ container: 80, host: 99_999 }] },
    status: 400,
    field: 'ports.0.host',
  },
  {
    method: 'POST',
    path: '/api/containers',
    body: { ...spec, memory: 1 },
    status: 400,
    field: 'memory',
  },
  {
    method: 'POST',
    path: '/api/containers',
    body: { ...spec, image: 'UPPER' },
    status: 400,
    field: 'image',
  },
  {
    method: 'POST',
    path: '/api/containers',
    body: { ...spec, env: { 'BAD-NAME': 'x' } },
    status: 400,
    field: 'env.BAD-NAME',
  },
  ...[
    'tcp://127.0.0.1:99999',
    'tcp://127.0.0.1:0',
    'http://127.0.0.1:2375',
    'unix:///',
    'tcp://[::1]:2375',
  ].map((addr): Refusal => ({
    method: 'POST',
    path: '/api/engines',
    body: { id: 'bad', addr },
    status: 400,
    field: 'addr',
  })),
  {
    method: 'POST',
    path: '/api/engines',
    body: { id: 'u', addr: 'tcp://127.0.0.1:2375' },
    as: 'user',
    status: 403,
  },
  { method: 'DELETE', path: '/api/engines/local', as: 'user', status: 403 },
  ...[
    'tail=-1',
    'tail=1e3',
    'tail=',
    'tail=1&tail=2',
    'tail=100001',
    'follow=maybe',
    'stdout=2',
    'since=yesterday',
    'since=',
    'since=10m',
    'since=2026-12-02',
    'since=2026-13-01T00:00:00Z',
    'since=2026-02-30T00:00:00Z',
    'since=2026-12-02T25:00:00Z',
    'since=2026-12-02%2010:00:00Z',
    'since=2026-12-02T10:00:00',
    'since=-5',
    'since=1&since=2',
    'until=1e9',
    'until=0x10',
    'until=1733130000.1234567890',
    `until=${'9'.repeat(40)}`,
  ].map((query): Refusal => ({
    method: 'GET',
    path: `/api/containers/${g}/logs?${query}`,
    status: 400,
    field: query.split('=')[0] ?? '',
  })),
  // Each instant is fine alone; together they ask for nothing ever written.
  {
    method: 'GET',
    path: `/api/containers/${g}/logs?since=2026-12-02T10:00:01Z&until=1796205600`,
    status: 400,
    field: 'until',
  },
  ...[
    'count=0',
    'count=1001',
    'count=',
    'count=1e2',
    'before=-5',
    'before=0x1',
    'count=5&count=6',
  ].map((query): Refusal => ({
    method: 'GET',
    path: `/api/events?${query}`,
    status: 400,
    field: query.split('=')[0] ?? '',
  })),
  {
    method: 'GET',
    path: `/api/events?type=${Array.from({ length: 100 }, (_, i) => `T${i}`).join(',')}`,
    status: 400,
    field: 'type',
  },
  { method: 'GET', path: '/api/events?since=yesterday', status: 400, field: 'since' },
  ...['9'.repeat(40), '-3', 'abc', '1e9'].map((id): Refusal => ({
    method: 'GET',
    path: '/api/events/stream',
    headers: { 'last-event-id': id },
    status: 400,
    field: 'Last-Event-ID',
  })),
  { method: 'GET', path: '/api/events/stream?from=x', status: 400, field: 'from' },
  { method: 'GET', path: '/api/containers?all=maybe', status: 400, field: 'all' },
  { method: 'GET', path: `/api/containers/${'z'.repeat(5000)}`, status: 404 },
  { method: 'GET', path: '/api/containers/%F0%9F%99%82', status: 404 },
];

it('refuses odd parameters, addresses and specs by field, and outlives replies larger than NATS carries', async () => {
  const admin = await spawnBerth({
    BERTH_ADMIN_PASSWORD: 'hostile-admin-2',
    BERTH_LOCAL_ENGINE: 'auto',
  });
  try {
    const call = async (
      method: string,
      path: string,
      token: string,
      body?: unknown,
      headers = {},
    ) => {
      const response = await fetch(`${admin.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
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
    const login = async (username: string, password: string) =>
      ((await call('POST', '/auth/login', '', { username, password })).json as { token: string })
        .token;
    const root = await login('admin', 'hostile-admin-2');
    await call('POST', '/api/account', root, {
      username: 'mal',
      password: 'mal-pass-123',
      role: 'user',
    });
    const user = await login('mal', 'mal-pass-123');
    const pid = admin.child.pid;
    const head = async () =>
      ((await call('GET', '/api/events?count=1', root)).json as { position: number }[])[0]
        ?.position ?? 0;

    // Each refused request: its status, a JSON error naming the field, and nothing appended.
    const before = await head();
    const problems: string[] = [];
    for (const r of refusals) {
      const answer = await call(r.method, r.path, r.as === 'user' ? user : root, r.body, r.headers);
      const error = (answer.json as { error?: { code?: string; field?: string } } | undefined)
        ?.error;
      if (answer.status !== r.status || (r.field !== undefined && error?.field !== r.field))
        problems.push(
          `${r.method} ${r.path.slice(0, 80)} → ${answer.status} ${answer.text.slice(0, 160)}`,
        );
    }
    expect(problems).toEqual([]);
    expect(refusals.length).toBeGreaterThanOrEqual(60);
    expect(await head()).toBe(before);

    // 18 runs with ~60 KB of env each: listing them is a reply over NATS's 1 MiB max payload.
    const env = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`V${i}`, 'x'.repeat(1000)]),
    );
    const groups: string[] = [];
    for (let i = 0; i < 18; i++) {
      const run = await call('POST', '/api/containers', user, { ...spec, env });
      expect(run.status, run.text).toBe(202);
      groups.push((run.json as { group: string }).group);
    }
    for (const path of ['/api/groups', '/api/containers?all=true', '/api/events?count=1000']) {
      const listed = await call('GET', path, root);
      expect(listed.status, `${path}: ${listed.text.slice(0, 200)}`).toBe(200);
    }
    const listed = await call('GET', '/api/groups', root);
    expect(listed.text.length).toBeGreaterThan(1024 * 1024);
    expect((listed.json as unknown[]).length).toBe(18);

    for (const group of groups) await call('POST', `/api/groups/${group}/scale?count=0`, root);
    expect(admin.child.pid).toBe(pid);
    expect(admin.child.exitCode).toBeNull();
    expect((await fetch(`${admin.url}/healthz`)).status).toBe(200);
    expect((await call('POST', '/api/admin/verify', root)).json).toMatchObject({ ok: true });
  } finally {
    await admin.stop();
  }
});
