// Ownership: a user reaches only its own groups and containers (another's is a 404, as if
// absent), in lists, actions, logs, the events list and the change stream; an admin all.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuditEvent, Container, Group, RunAccepted } from '@berth/contracts';
import { spawnBerth, within, type BerthProcess } from '@berth/testkit';

let berth: BerthProcess;
const tokens: Record<string, string> = {};

const call = async (who: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${berth.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who] ?? ''}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
};
const login = async (username: string, password: string) => {
  const answer = await call('', 'POST', '/auth/login', { username, password });
  tokens[username] = (answer.json as { token: string }).token;
};
const newestPosition = async () =>
  ((await call('admin', 'GET', '/api/events?count=1')).json as AuditEvent[])[0]?.position ?? 0;

/** The events a client's change stream delivers within `ms`, from position `from`. */
const streamed = async (who: string, from: number, ms: number) => {
  const controller = new AbortController();
  const response = await fetch(`${berth.url}/api/events/stream?from=${from}`, {
    headers: { authorization: `Bearer ${tokens[who] ?? ''}` },
    signal: controller.signal,
  });
  let text = '';
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>)
        text += decoder.decode(chunk, { stream: true });
    } catch {
      // aborted below
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, ms));
  controller.abort();
  await reading;
  return [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] ?? '{}') as AuditEvent);
};

beforeAll(async () => {
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: 'tenancy-admin-1', BERTH_LOCAL_ENGINE: 'auto' });
  await login('admin', 'tenancy-admin-1');
  for (const name of ['ann', 'bob'])
    await call('admin', 'POST', '/api/account', {
      username: name,
      password: `${name}-pass-123`,
      role: 'user',
    });
  await login('ann', 'ann-pass-123');
  await login('bob', 'bob-pass-123');
});
afterAll(() => berth.stop());

it("keeps each user's groups and containers its own, in every route and stream", async () => {
  const from = (await newestPosition()) + 1;
  const bobSees = streamed('bob', from, 12_000);
  const adminSees = streamed('admin', from, 12_000);
  await new Promise((resolve) => setTimeout(resolve, 500));

  const sleeper = { image: 'berth/busybox:test', cmd: ['sleep', '300'], cpus: 0.01, memory: 8 };
  const annRun = (await call('ann', 'POST', '/api/containers', sleeper)).json as RunAccepted;
  const bobRun = (await call('bob', 'POST', '/api/containers', sleeper)).json as RunAccepted;
  const [annContainer] = annRun.containers;
  for (const [who, run] of [
    ['ann', annRun],
    ['bob', bobRun],
  ] as const)
    await within(30_000, `${who}'s replica running`, async () => {
      const read = (await call(who, 'GET', `/api/groups/${run.group}`)).json as Group;
      return read.replicas.running === 1;
    });
  // The log at rest first (Docker's events of both starts recorded), so a count holds.
  let before = -1;
  await within(10_000, 'the log at rest', async () => {
    const now = await newestPosition();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return now === (before = await newestPosition());
  });

  // Bob reaches nothing of Ann's: each answer a 404, and nothing appended.
  for (const [method, path] of [
    ['GET', `/api/containers/${annContainer}`],
    ['GET', `/api/containers/${annContainer}/logs`],
    ['POST', `/api/containers/${annContainer}/stop`],
    ['POST', `/api/containers/${annContainer}/start`],
    ['POST', `/api/containers/${annContainer}/restart`],
    ['POST', `/api/containers/${annContainer}/scale?count=3`],
    ['DELETE', `/api/containers/${annContainer}`],
    ['GET', `/api/groups/${annRun.group}`],
    ['POST', `/api/groups/${annRun.group}/scale?count=0`],
  ] as const) {
    const answer = await call('bob', method, path);
    expect([method, path, answer.status]).toEqual([method, path, 404]);
  }
  expect(await newestPosition()).toBe(before);

  const ids = async (who: string, path: string) =>
    ((await call(who, 'GET', path)).json as (Container | Group)[]).map((x) => x.id);
  expect(await ids('bob', '/api/containers?all=true')).toEqual(bobRun.containers);
  expect(await ids('ann', '/api/groups')).toEqual([annRun.group]);
  expect(await ids('bob', '/api/groups?owner=ann')).toEqual([bobRun.group]); // a user's own only
  expect((await ids('admin', '/api/groups')).sort()).toEqual([annRun.group, bobRun.group].sort());
  expect(await ids('admin', '/api/groups?owner=ann')).toEqual([annRun.group]);
  expect(((await call('admin', 'GET', `/api/groups/${annRun.group}`)).json as Group).owner).toBe(
    'ann',
  );

  // The audit log: Bob's list holds his own work and no trace of Ann's.
  const bobEvents = (await call('bob', 'GET', '/api/events?count=1000')).json as AuditEvent[];
  expect(bobEvents.some((e) => e.refs.group === bobRun.group)).toBe(true);
  expect(
    bobEvents.filter((e) => e.refs.group === annRun.group || e.refs.container === annContainer),
  ).toEqual([]);
  const accountsIn = (events: AuditEvent[]) =>
    new Set(events.flatMap((e) => (e.refs.account === undefined ? [] : [e.refs.account])));
  expect(accountsIn(bobEvents).size).toBe(1); // his own account only, no one else's logins
  const adminEvents = (await call('admin', 'GET', '/api/events?count=1000')).json as AuditEvent[];
  expect(accountsIn(adminEvents).size).toBeGreaterThanOrEqual(3);

  const [bobStream, adminStream] = await Promise.all([bobSees, adminSees]);
  const aboutAnn = (e: AuditEvent) =>
    e.refs.group === annRun.group || e.refs.container === annContainer;
  expect(adminStream.filter(aboutAnn).length).toBeGreaterThan(0);
  expect(bobStream.filter(aboutAnn)).toEqual([]);
  expect(bobStream.some((e) => e.refs.group === bobRun.group)).toBe(true);

  for (const [who, group] of [
    ['ann', annRun.group],
    ['bob', bobRun.group],
  ] as const)
    expect((await call(who, 'POST', `/api/groups/${group}/scale?count=0`)).status).toBe(202);
});
