// Rolling updates through the router under paced load: v1 → v2 with no failed request, a v3
// that never passes its health check rolls back by itself, and `rollback` returns to v1.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Group, RunAccepted } from '@berth/contracts';
import {
  apiClient,
  ROUTED_DOMAIN,
  startRoutedBerth,
  underLoad,
  viaProxy,
  within,
  type Outcome,
} from '@berth/testkit';

let stop: () => Promise<void>;
let routerPort = 0;
let api: ReturnType<typeof apiClient>;

// Each replica serves its $VERSION at / and, after 300 ms, at /cgi-bin/slow (so requests are in
// flight when a replica leaves), and ends at once on TERM.
const serve = [
  'mkdir -p /www/cgi-bin',
  'echo "$VERSION" > /www/index.html',
  'printf "#!/bin/sh\\necho Content-Type: text/plain\\necho\\nsleep 0.3\\ncat /www/index.html\\n" > /www/cgi-bin/slow',
  'chmod +x /www/cgi-bin/slow',
  'trap "exit 0" TERM',
  'httpd -f -p 80 -h /www & wait',
].join('; ');
const checked = (path: string) => ({
  http: { port: 80, path },
  intervalSeconds: 1,
  timeoutSeconds: 3, // a loaded machine may take more than a second to run wget
  retries: 2,
});
const web = {
  name: 'web',
  image: 'berth/busybox:test',
  cmd: ['sh', '-c', serve],
  env: { VERSION: 'v1' },
  ports: [{ container: 80 }],
  healthcheck: checked('/'),
  cpus: 0.1,
  memory: 32,
};
const strategy = { parallelism: 2, monitorSeconds: 2, readyTimeoutSeconds: 30 };

const group = async () => (await api.get<Group>('/api/groups/web')).body;
const slow = () => viaProxy(routerPort, `web.${ROUTED_DOMAIN}`, '/cgi-bin/slow');
/** Paced load (50/s, at most 6,000 requests, two minutes) while `during` runs. */
const loadDuring = (during: () => Promise<void>) =>
  underLoad(slow, during, { perSecond: 50, max: 6000 });
const failures = (outcomes: Outcome[], versions: string[]) =>
  outcomes.filter((o) => o.status !== 200 || !versions.includes(o.body));
const settled = (revision: number) => async () => {
  const g = await group();
  return g.update?.revision === revision && g.update.state === 'completed';
};
/** The update as it stands, and the replicas' states: what a timed-out wait says. */
const updateNow = async () => {
  const g = await group();
  return JSON.stringify({ update: g.update, replicas: g.replicas, pending: g.pending });
};
const versionsNow = async (n: number) => {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add((await viaProxy(routerPort, `web.${ROUTED_DOMAIN}`)).body);
  return [...seen];
};

beforeAll(async () => {
  ({ api, routerPort, stop } = await startRoutedBerth(2, 'update-admin-1'));
  const run = await api.post<RunAccepted>('/api/containers?count=4', web);
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  await within(60_000, 'four healthy replicas served', async () => {
    const g = await group();
    return g.replicas.running === 4 && (await versionsNow(8)).join() === 'v1';
  });
});

afterAll(async () => {
  await api?.post('/api/groups/web/scale?count=0').catch(() => undefined);
  await stop?.();
});

it('updates v1 to v2 under load with no failed request, then every reply says v2', async () => {
  let tookMs = 0;
  const outcomes = await loadDuring(async () => {
    const accepted = await api.post<{ revision: number }>('/api/groups/web/update', {
      spec: { env: { VERSION: 'v2' } },
      strategy,
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    expect(accepted.body.revision).toBe(2);
    tookMs = await within(120_000, 'revision 2 everywhere', settled(2), updateNow);
  });
  console.log(
    `v1→v2: ${outcomes.length} requests, ${failures(outcomes, ['v1', 'v2']).length} failed, update took ${tookMs} ms`,
  );
  expect(failures(outcomes, ['v1', 'v2'])).toEqual([]);
  expect(outcomes.length).toBeGreaterThan(200);
  expect(await versionsNow(20)).toEqual(['v2']);
  const g = await group();
  expect(g).toMatchObject({ revision: 2, desired: 4, spec: { env: { VERSION: 'v2' } } });
  expect(g.replicas.running).toBe(4);
});

it('rolls an update that never passes its health check back by itself, with no failed request', async () => {
  const outcomes = await loadDuring(async () => {
    const accepted = await api.post<{ revision: number }>('/api/groups/web/update', {
      spec: { env: { VERSION: 'v3' }, healthcheck: checked('/missing') },
      strategy,
    });
    expect(accepted.body.revision).toBe(3);
    await within(120_000, 'rolled back to the v2 spec', settled(4), updateNow);
  });
  const g = await group();
  console.log(
    `v3 rolled back: ${outcomes.length} requests, ${failures(outcomes, ['v2']).length} failed; ${g.update?.reason ?? ''}`,
  );
  expect(g.update).toMatchObject({ revision: 4, rollback: true, state: 'completed' });
  expect(g.update?.reason).toMatch(/revision 3 failed/);
  expect(g.spec.env).toEqual({ VERSION: 'v2' });
  expect(failures(outcomes, ['v2'])).toEqual([]);
  expect(await versionsNow(20)).toEqual(['v2']);
});

it('rolls back to v1 by hand', async () => {
  const outcomes = await loadDuring(async () => {
    const accepted = await api.post<{ revision: number }>('/api/groups/web/rollback');
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    expect(accepted.body.revision).toBe(5);
    await within(120_000, 'back on v1', settled(5), updateNow);
  });
  expect(failures(outcomes, ['v1', 'v2'])).toEqual([]);
  expect(await versionsNow(20)).toEqual(['v1']);
  expect((await group()).spec.env).toEqual({ VERSION: 'v1' });
  const again = await api.post('/api/groups/web/rollback');
  expect([again.status, again.body]).toMatchObject([409, { error: { field: 'group' } }]);
});
