// Operable: the OpenAPI document of a live instance validates as 3.1, every answer of a real flow
// (login, engines, run, list, inspect, scale, events, accounts, errors, destroy) matches what it
// documents, and /metrics shows the berth_ families with values that fit what the flow did.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container, Group, RunAccepted, ScaleAccepted } from '@berth/contracts';
import { freePort } from '@berth/local-infra';
import {
  addHealthyEngine,
  apiClient,
  login,
  spawnBerth,
  startTestHosts,
  viaProxy,
  within,
  type BerthProcess,
  type TestHost,
} from '@berth/testkit';

type Response = { content?: Record<string, { schema: object }> };
type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
  components: { schemas: Record<string, object> };
};

const DOMAIN = 'operable.test';
let berth: BerthProcess;
let hosts: TestHost[];
let downHosts: () => Promise<void>;
let routerPort = 0;
let api: ReturnType<typeof apiClient>;
let doc: OpenApi;
let group = '';
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const checkedAnswers: string[] = [];

const web = {
  name: 'web',
  image: 'berth/busybox:test',
  cmd: [
    'sh',
    '-c',
    'hostname > /www/index.html; trap "exit 0" TERM; httpd -f -p 80 -h /www & wait',
  ],
  ports: [{ container: 80 }],
  cpus: 0.1,
  memory: 32,
};

/**
 * Calls the API and checks the answer against the document: its status is documented for the
 * operation, and a JSON body validates against the documented schema.
 */
const call = async <T>(method: string, template: string, path: string, body?: unknown) => {
  const answer = await api.call<T>(method, path, body);
  const documented = doc.paths[template]?.[method.toLowerCase()]?.responses[String(answer.status)];
  expect(documented, `${method} ${path} answered ${answer.status}`).toBeDefined();
  const schema = documented?.content?.['application/json']?.schema;
  if (schema !== undefined) {
    // Refs point into the document, which ajv holds under the id `openapi`.
    const validate = ajv.compile(
      JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')),
    );
    expect(validate(answer.body), `${method} ${path}: ${JSON.stringify(validate.errors)}`).toBe(
      true,
    );
  }
  checkedAnswers.push(`${method} ${template} ${answer.status}`);
  return answer;
};

/** Prometheus text as samples: name, labels, value. */
const samples = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
      const labels: Record<string, string> = Object.fromEntries(
        [...(m?.[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]),
      );
      return { name: m?.[1] ?? '', labels, value: Number(m?.[3]) };
    });
const scrape = async () => samples(await (await fetch(`${berth.url}/metrics`)).text());
const valueOf = (
  all: ReturnType<typeof samples>,
  name: string,
  labels: Record<string, string> = {},
) =>
  all
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

beforeAll(async () => {
  ({ hosts, down: downHosts } = await startTestHosts(1));
  routerPort = await freePort();
  berth = await spawnBerth({
    BERTH_ADMIN_PASSWORD: 'operable-admin-1',
    BERTH_ROUTER: 'on',
    BERTH_ROUTER_PORT: String(routerPort),
    BERTH_ROUTER_DOMAIN: DOMAIN,
  });
  doc = (await (await fetch(`${berth.url}/openapi.json`)).json()) as OpenApi;
  ajv.addSchema({ components: doc.components }, 'openapi');
  const token = await login(berth.url, 'admin', 'operable-admin-1');
  api = apiClient(berth.url, () => token);
  const host = hosts[0] as TestHost;
  await addHealthyEngine(api, 'op-host', host.dockerUrl);
});

afterAll(async () => {
  if (group !== '') await api?.post(`/api/groups/${group}/scale?count=0`).catch(() => undefined);
  await berth?.stop();
  await downHosts?.();
});

describe('operable', () => {
  it('serves an OpenAPI 3.1 document that validates', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    const page = await fetch(`${berth.url}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/api/groups/{group}/scale');
  });

  it('answers a whole flow as documented, errors included', async () => {
    expect((await call('GET', '/healthz', '/healthz')).status).toBe(200);
    const session = { username: 'admin', password: 'operable-admin-1' };
    expect((await call('POST', '/auth/login', '/auth/login', session)).status).toBe(200);
    const wrong = { ...session, password: 'not-the-password' };
    expect((await call('POST', '/auth/login', '/auth/login', wrong)).status).toBe(401);
    await call('GET', '/api/engines', '/api/engines');
    await call('GET', '/api/engines/{id}', '/api/engines/op-host');
    await call('GET', '/api/cluster/info', '/api/cluster/info');
    await call('GET', '/api/me', '/api/me');

    const run = await call<RunAccepted>('POST', '/api/containers', '/api/containers', web);
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    group = run.body.group;
    await within(60_000, 'web running', async () => {
      const g = (await api.get<Group>(`/api/groups/${group}`)).body;
      return g.replicas.running === 1;
    });
    const list = await call<Container[]>('GET', '/api/containers', '/api/containers');
    const id = list.body.find((c) => c.group === group)?.id ?? '';
    await call('GET', '/api/containers/{id}', `/api/containers/${id}`);
    await call('GET', '/api/groups', '/api/groups');
    await call('GET', '/api/groups/{group}', `/api/groups/${group}`);

    const scaled = await call<ScaleAccepted>(
      'POST',
      '/api/groups/{group}/scale',
      `/api/groups/${group}/scale?count=2`,
    );
    expect(scaled.status).toBe(202);
    expect(scaled.body.added).toHaveLength(1);
    await within(60_000, 'web at 2', async () => {
      const g = (await api.get<Group>(`/api/groups/${group}`)).body;
      return g.replicas.running === 2;
    });
    await call('GET', '/api/events', '/api/events?count=50');
    await call('POST', '/api/admin/verify', '/api/admin/verify');

    const added = await call('POST', '/api/account', '/api/account', {
      username: 'op-user',
      password: 'op-user-password-1',
      role: 'user',
    });
    expect(added.status).toBe(201);
    await call('GET', '/api/accounts/{username}', '/api/accounts/op-user');
    await call('PUT', '/api/accounts/{username}/quota', '/api/accounts/op-user/quota', {
      replicas: 3,
    });
    expect((await call('DELETE', '/api/account/{id}', '/api/account/op-user')).status).toBe(204);

    // Errors carry the documented shape and status.
    expect((await call('GET', '/api/containers/{id}', '/api/containers/nothing')).status).toBe(404);
    const bad = await call<{ error: { field?: string } }>(
      'POST',
      '/api/containers',
      '/api/containers',
      {
        ...web,
        name: undefined,
        cpus: -1,
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('cpus');
    expect((await call('GET', '/api/groups', '/api/groups?owner=a&owner=b')).status).toBe(400);

    const destroyed = await call('DELETE', '/api/containers/{id}', `/api/containers/${id}`);
    expect(destroyed.status).toBe(202);
    expect(checkedAnswers.length).toBeGreaterThan(20);
  });

  it('shows the berth_ families on /metrics after a run and a scale', async () => {
    // Traffic through the router, and one change-stream client held open while scraping.
    for (let i = 0; i < 5; i++)
      expect((await viaProxy(routerPort, `web.${DOMAIN}`)).status).toBe(200);
    const stream = new AbortController();
    const sse = await fetch(`${berth.url}/api/events/stream`, {
      headers: { authorization: `Bearer ${await login(berth.url, 'admin', 'operable-admin-1')}` },
      signal: stream.signal,
    });
    expect(sse.status).toBe(200);
    let m = await scrape();
    try {
      await within(5000, 'router requests and the SSE client counted', async () => {
        m = await scrape();
        return (
          valueOf(m, 'berth_router_requests', { service: 'web' }) >= 5 &&
          valueOf(m, 'berth_sse_clients') >= 1
        );
      });
    } finally {
      stream.abort();
    }
    const commands = (type: string) => valueOf(m, 'berth_commands_total', { type, outcome: 'ok' });
    expect(commands('RunContainer')).toBe(1);
    expect(commands('ScaleContainer')).toBe(1);
    expect(commands('AddEngine')).toBe(1);
    expect(
      valueOf(m, 'berth_command_duration_seconds_count', { type: 'RunContainer', outcome: 'ok' }),
    ).toBe(1);
    expect(valueOf(m, 'berth_command_duration_seconds_sum', { type: 'RunContainer' })).toBeLessThan(
      30,
    );
    expect(valueOf(m, 'berth_eventlog_append_duration_seconds_count')).toBeGreaterThan(5);
    const head = valueOf(m, 'berth_eventlog_head_position');
    expect(head).toBeGreaterThan(10);
    const projectorLag = valueOf(m, 'berth_follower_lag_events', { follower: 'projector' });
    const followers = m.filter((s) => s.name === 'berth_follower_lag_events');
    expect(followers.map((s) => s.labels.follower)).toEqual(
      expect.arrayContaining([
        'projector',
        'scheduler',
        'docker-executor',
        'router',
        'change-feed',
      ]),
    );
    for (const follower of followers) expect(follower.value).toBeLessThan(head);
    expect(projectorLag).toBeLessThan(head);
    expect(valueOf(m, 'berth_engines', { health: 'healthy' })).toBe(1);
    expect(valueOf(m, 'berth_engines', { health: 'lost' })).toBe(0);
    // Counted from the read model at scrape time: the same numbers the API lists (asked
    // again until no container moved between the two reads).
    await within(10_000, 'containers by state as listed', async () => {
      const all = (await api.get<Container[]>('/api/containers?all=true')).body;
      const now = await scrape();
      const running = all.filter((c) => c.state === 'running').length;
      return (
        running > 0 &&
        valueOf(now, 'berth_containers', { state: 'running' }) === running &&
        valueOf(now, 'berth_containers') === all.length
      );
    });
    expect(
      valueOf(m, 'berth_heartbeat_probe_duration_seconds_count', { outcome: 'ok' }),
    ).toBeGreaterThan(0);
    expect(valueOf(m, 'berth_sse_clients')).toBeGreaterThanOrEqual(1);
    expect(valueOf(m, 'berth_router_requests', { service: 'web' })).toBeGreaterThanOrEqual(5);
    console.log(
      `metrics: head ${head}, projector lag ${projectorLag}, RunContainer ` +
        `${valueOf(m, 'berth_command_duration_seconds_sum', { type: 'RunContainer' }).toFixed(3)} s, ` +
        `appends ${valueOf(m, 'berth_eventlog_append_duration_seconds_count')}, answers checked ${checkedAnswers.length}`,
    );
    await within(
      5000,
      'the SSE client gone',
      async () => valueOf(await scrape(), 'berth_sse_clients') === 0,
    );
  });
});
