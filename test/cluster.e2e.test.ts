// A real cluster on one machine, as in production: 3 nats-servers and 3 etcd members with
// credentials, every service as two processes, three Docker hosts. 200 runs are sent at once
// while one NATS node, one etcd member, one scheduler and one executor are SIGKILLed in turn.
// Afterwards Docker holds exactly the 200 replicas, no engine is over its CPU or memory, the
// log verifies, and replaying it gives the live read model. The third host joins as an operator's
// would: its agent runs there from the image infra/image.sh assembles.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuditEvent, Container, Engine, RunAccepted } from '@berth/contracts';
import {
  addHealthyEngine,
  agentImageLogs,
  apiClient,
  dockerContainers,
  dockerReservations,
  login,
  runAgentImage,
  startCluster,
  startTestHosts,
  within,
  type Cluster,
  type TestHost,
} from '@berth/testkit';

const RUNS = 200;
const REPLICA = { cpus: 0.025, memory: 16 }; // 80 fit an engine of 2 CPUs: 200 fit three
const VICTIMS = ['nats-2', 'etcd-2', 'scheduler-1', 'docker-executor-1'];

let hosts: TestHost[];
let downHosts: () => Promise<void>;
let cluster: Cluster;
let apis: ReturnType<typeof apiClient>[];
let agent: { host: TestHost; id: string };

/** For a failing run: the named processes' last output, and the agent's. */
const printOutput = async (names: RegExp) => {
  for (const p of cluster.processes.filter((p) => names.test(p.name)))
    console.log(p.name, p.child.output().slice(-3000));
  console.log('agent', await agentImageLogs(agent.host, agent.id));
};

const allInDocker = async () =>
  (await Promise.all(hosts.map((h) => dockerContainers(h.dockerUrl, 'berth.container')))).flat();

beforeAll(async () => {
  if (!existsSync('dist/berth.mjs'))
    throw new Error('no dist/berth.mjs: run `npm run build` first');
  ({ hosts, down: downHosts } = await startTestHosts(3));
  cluster = await startCluster({
    apiHost: '0.0.0.0', // the third host's agent joins through it
    nats: 3,
    etcd: 3,
    instances: 2,
    // The services as production runs them: the one bundle, a service by name.
    command: (service) => ['dist/berth.mjs', service],
    freshRethinkDatabase: true,
    env: {
      // The test is about the cluster surviving kills, not quotas.
      BERTH_DEFAULT_QUOTA_REPLICAS: '1000',
      BERTH_DEFAULT_QUOTA_CPUS: '1000',
      BERTH_DEFAULT_QUOTA_MEMORY_MB: '1000000',
      BERTH_USAGE_INTERVAL_MS: '0',
      // Nor about heartbeats: three Docker daemons creating 200 containers on two cores may
      // take longer than the default 800 ms to answer a ping, twice, and an engine counted
      // unhealthy for a moment leaves the last runs no room.
      BERTH_HEARTBEAT_TIMEOUT_MS: '3000',
    },
  });
  const token = await login(cluster.apiUrls[0] ?? '', 'admin', cluster.adminPassword);
  apis = cluster.apiUrls.map((url) => apiClient(url, () => token));
  const [first, second, third] = hosts as [TestHost, TestHost, TestHost];
  for (const host of [first, second])
    await addHealthyEngine(apis[0] as (typeof apis)[number], `host-${host.index}`, host.dockerUrl);
  const joinToken = (
    await (apis[0] as (typeof apis)[number]).get<{ token: string }>('/api/agents/join-token')
  ).body.token;
  const agentId = await runAgentImage(third, `berth:${cluster.runId}`, {
    BERTH_URL: `http://${third.peerAddress}:${new URL(cluster.apiUrls[1] ?? '').port}`,
    BERTH_JOIN_TOKEN: joinToken,
    BERTH_AGENT_ID: `host-${third.index}`,
    BERTH_DOCKER_URL: third.dockerUrl,
  });
  agent = { host: third, id: agentId };
  await within(60_000, 'the agent-joined host healthy', async () => {
    const engine = await (apis[0] as (typeof apis)[number]).get<Engine>(
      `/api/engines/host-${third.index}`,
    );
    return engine.status === 200 && engine.body.health.status === 'healthy';
  });
}, 300_000);

afterAll(async () => {
  await cluster?.down();
  await downHosts?.();
});

/**
 * One run, as a careful client sends it: with an Idempotency-Key, retried (alternating api
 * instances) while the cluster answers 5xx or not at all, so a retry is the same command.
 */
const run = async (i: number) => {
  const key = randomUUID();
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const api = apis[(i + attempt) % apis.length] as (typeof apis)[number];
    const answer = await api
      .post(
        '/api/containers',
        { image: 'berth/busybox:test', cmd: ['sleep', '3600'], ...REPLICA },
        { 'idempotency-key': key },
      )
      .catch((error: unknown) => ({ status: 0, body: String(error) }));
    if (answer.status < 500 && answer.status !== 0) return { ...answer, attempts: attempt + 1 };
    if (Date.now() - started > 90_000) return { ...answer, attempts: attempt + 1 };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
};

it('keeps exactly the requested replicas through SIGKILLs of a NATS node, an etcd member, a scheduler and an executor', async () => {
  const started = Date.now();
  const answers = Promise.all(Array.from({ length: RUNS }, (_, i) => run(i)));

  // Kill one of each in turn while the runs are placed and created.
  const kills: string[] = [];
  await within(60_000, 'first containers', async () => (await allInDocker()).length >= 10);
  for (const victim of VICTIMS) {
    await cluster.kill(victim);
    kills.push(`${victim} at ${(await allInDocker()).length} containers`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }

  const settled = await answers;
  const statuses = settled.reduce<Record<number, number>>(
    (count, a) => ({ ...count, [a.status]: (count[a.status] ?? 0) + 1 }),
    {},
  );
  if (statuses[202] !== RUNS) {
    const engines = (await (apis[0] as (typeof apis)[number]).get<Engine[]>('/api/engines')).body;
    console.log(`engines now: ${JSON.stringify(engines.map((e) => [e.id, e.health]))}`);
    await printOutput(/registry|heartbeat/);
  }
  expect(statuses, JSON.stringify(settled.filter((a) => a.status !== 202).slice(0, 3))).toEqual({
    202: RUNS,
  });
  const retried = settled.filter((a) => a.attempts > 1).length;

  const tookMs = await within(120_000, `${RUNS} running in Docker`, async () => {
    const now = await allInDocker();
    return now.length >= RUNS && now.every((c) => c.State === 'running');
  }).catch(async (error: unknown) => {
    const perHost = await Promise.all(
      hosts.map(async (h) => (await dockerContainers(h.dockerUrl, 'berth.container')).length),
    );
    console.log(`in Docker per host: ${perHost.join(' ')}`);
    const listed = (await (apis[0] as (typeof apis)[number]).get<Container[]>('/api/containers'))
      .body;
    const byEngineAndState = listed.reduce<Record<string, number>>((count, c) => {
      const key = `${c.engine} ${c.state}`;
      return { ...count, [key]: (count[key] ?? 0) + 1 };
    }, {});
    console.log(`in the read model: ${JSON.stringify(byEngineAndState)}`);
    // What the log says of a few accepted runs that have nothing in Docker.
    const docker = new Set((await allInDocker()).map((c) => c.Labels['berth.container']));
    const missing = settled
      .flatMap((a) => (a.status === 202 ? (a.body as RunAccepted).containers : []))
      .filter((id) => !docker.has(id))
      .slice(0, 3);
    for (const id of missing) {
      const events = (
        await (apis[0] as (typeof apis)[number]).get<AuditEvent[]>(
          `/api/events?container=${id}&count=20`,
        )
      ).body;
      console.log(
        `run ${id}: ${JSON.stringify(events.map((e) => [e.position, e.type, e.message]))}`,
      );
    }
    await printOutput(/executor|scheduler|registry/);
    throw error;
  });
  await new Promise((resolve) => setTimeout(resolve, 3000)); // nothing more appears
  const inDocker = await allInDocker();
  expect(inDocker).toHaveLength(RUNS);
  const ids = inDocker.map((c) => c.Labels['berth.container']);
  expect(new Set(ids).size).toBe(RUNS);

  // The read model (from either api instance) names the same containers Docker holds.
  const expected = JSON.stringify([...ids].sort());
  for (const api of apis)
    await within(10_000, 'the read model lists what Docker holds', async () => {
      const listed = (await api.get<Container[]>('/api/containers')).body;
      return JSON.stringify(listed.map((c) => c.id).sort()) === expected;
    });
  const engines = (await (apis[0] as (typeof apis)[number]).get<Engine[]>('/api/engines')).body;
  for (const host of hosts) {
    const engine = engines.find((e) => e.id === `host-${host.index}`);
    const reserved = await dockerReservations(host.dockerUrl);
    expect(reserved.cpus).toBeLessThanOrEqual((engine?.cpus ?? 0) + 1e-9);
    expect(reserved.memory).toBeLessThanOrEqual(engine?.memory ?? 0);
  }

  const verified = await (apis[1] as (typeof apis)[number]).post('/api/admin/verify');
  expect(verified).toMatchObject({ status: 200, body: { ok: true } });
  const replayed = await (apis[0] as (typeof apis)[number]).post<{ equal: boolean }>(
    '/api/admin/replay',
  );
  expect(replayed).toMatchObject({ status: 200, body: { equal: true, differences: [] } });

  console.log(
    `${RUNS} runs, ${retried} retried; killed ${kills.join(', ')}; all running ${tookMs} ms after the last 202; ${Date.now() - started} ms in all`,
  );
}, 400_000);
