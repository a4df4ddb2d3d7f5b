// A crash loop on a real Docker host under a per-container cap on recorded Docker events:
// past the cap the executor records one summary when the minute ends, the counts add up to
// what Docker itself reported, and the container's state and a replay stay right.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dockerStream, type Container, type RunAccepted } from '@berth/contracts';
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

const CAP = 4;
const ENGINE = 'crash-host';
/** The Docker actions the executor records (as `DOCKER_ACTIONS` in its engine worker). */
const RECORDED = new Set(['create', 'start', 'restart', 'die', 'kill', 'stop', 'oom']);

let berth: BerthProcess;
let hosts: TestHost[];
let downHosts: () => Promise<void>;
let api: ReturnType<typeof apiClient>;

type Recorded = { type: string; data: Record<string, unknown> };
const dockerRecords = async (container: string) => {
  const log = berth.openLog();
  try {
    return ((await log.readStream(dockerStream(ENGINE))) as Recorded[]).filter(
      (e) => e.data.container === container,
    );
  } finally {
    await log.close();
  }
};

/** What Docker itself reported for the container between two instants (ms), as timeNano. */
const dockerReported = async (container: string, fromMs: number, untilMs: number) => {
  const filters = encodeURIComponent(JSON.stringify({ label: [`berth.container=${container}`] }));
  const base = (hosts[0]?.dockerUrl ?? '').replace(/^tcp:/, 'http:');
  const since = Math.floor(fromMs / 1000) - 1;
  const until = Math.ceil(untilMs / 1000) + 1;
  const text = await (
    await fetch(`${base}/events?since=${since}&until=${until}&filters=${filters}`)
  ).text();
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { Action: string; timeNano: number })
    .filter((e) => RECORDED.has(e.Action.split(':')[0] ?? ''))
    .map((e) => ({ action: e.Action, timeNano: BigInt(e.timeNano) }));
};

beforeAll(async () => {
  ({ hosts, down: downHosts } = await startTestHosts(1));
  berth = await spawnBerth({
    BERTH_ADMIN_PASSWORD: 'crash-admin-1',
    BERTH_CONTAINER_EVENTS_PER_MINUTE: String(CAP),
  });
  const token = await login(berth.url, 'admin', 'crash-admin-1');
  api = apiClient(berth.url, () => token);
  await addHealthyEngine(api, ENGINE, hosts[0]?.dockerUrl ?? '');
});

afterAll(async () => {
  await berth?.stop();
  await downHosts?.();
});

it(`records at most ${CAP} Docker events of a crash loop a minute, then one summary`, async () => {
  const run = await api.post<RunAccepted>('/api/containers', {
    image: 'berth/busybox:test',
    cmd: ['sh', '-c', 'exit 3'],
    restartPolicy: 'always',
    cpus: 0.1,
    memory: 32,
  });
  expect(run.status).toBe(202);
  const id = run.body.containers[0] ?? '';

  await within(90_000, 'a summary after the first minute', async () =>
    (await dockerRecords(id)).some((e) => e.type === 'DockerEventsSuppressed'),
  );
  const records = await dockerRecords(id);
  const summaryAt = records.findIndex((e) => e.type === 'DockerEventsSuppressed');
  const summary = records[summaryAt]?.data as {
    suppressed: number;
    actions: Record<string, number>;
    limit: number;
    from: string;
    until: string;
  };
  const oneByOne = records
    .slice(0, summaryAt)
    .filter(
      (e) =>
        e.type === 'DockerContainerEvent' &&
        BigInt(e.data.timeNano as string) < BigInt(Date.parse(summary.until)) * 1_000_000n,
    );
  const first = BigInt((oneByOne[0]?.data.timeNano as string | undefined) ?? '0');
  const reported = (
    await dockerReported(id, Date.parse(summary.from), Date.parse(summary.until))
  ).filter(
    (e) => e.timeNano >= first && e.timeNano < BigInt(Date.parse(summary.until)) * 1_000_000n,
  );
  console.log(
    `crash loop, first minute: Docker reported ${reported.length} events; ` +
      `${oneByOne.length} recorded one by one, ${summary.suppressed} in one summary ` +
      `${JSON.stringify(summary.actions)} (cap ${summary.limit})`,
  );
  expect(oneByOne).toHaveLength(CAP);
  expect(summary.limit).toBe(CAP);
  expect(summary.suppressed).toBeGreaterThan(0);
  expect(Object.values(summary.actions).reduce((a, b) => a + b, 0)).toBe(summary.suppressed);
  // Docker stamps its events with its clock, the executor counts a minute by when it received
  // them: an event at the minute's very edge may fall in the next window, never more than one.
  expect(Math.abs(oneByOne.length + summary.suppressed - reported.length)).toBeLessThanOrEqual(1);

  // What the suppressed events caused was still recorded: every exit became a backoff, and the
  // read model shows the latest of it, the same after a replay from position 0.
  const backoffs = (
    await api.get<{ type: string }[]>(`/api/events?container=${id}&type=ContainerBackoff&count=100`)
  ).body;
  const now = (await api.get<Container>(`/api/containers/${id}`)).body;
  expect(['backoff', 'running']).toContain(now.state);
  expect(now.restarts).toBe(backoffs.length);
  expect(now.restarts).toBeGreaterThanOrEqual(5);
  const dies = reported.filter((e) => e.action === 'die').length;
  expect(now.restarts).toBeGreaterThanOrEqual(dies);
  const replayed = (await api.post<{ equal: boolean; differences: unknown[] }>('/api/admin/replay'))
    .body;
  expect(replayed).toMatchObject({ equal: true, differences: [] });

  // The audit view says it in words.
  const described = (
    await api.get<{ message: string }[]>(`/api/events?type=DockerEventsSuppressed&container=${id}`)
  ).body;
  expect(described[0]?.message).toMatch(
    new RegExp(`had ${summary.suppressed} more event\\(s\\) than ${CAP} a minute`),
  );

  expect((await api.post(`/api/groups/${run.body.group}/scale?count=0`)).status).toBe(202);
});
