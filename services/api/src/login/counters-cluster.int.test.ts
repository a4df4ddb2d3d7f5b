// The login counters on a real 3-node NATS cluster: they must outlive the node that leads them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startNatsCluster, waitUntil, type LocalNatsCluster } from '@berth/local-infra';
import { kvCounters, openCounterBucket } from './counters.js';

let dir: string;
let cluster: LocalNatsCluster;
let nc: NatsConnection;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-counters-'));
  cluster = await startNatsCluster(dir, 3);
  nc = await connect({ ...cluster.access, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
}, 60_000);
afterAll(async () => {
  await nc?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('keeps three replicas, and counts on with every count kept after the leading node is SIGKILLed', async () => {
  const counters = kvCounters(() => openCounterBucket(nc, 120_000));
  const increment = () =>
    counters.change<number, number>('test.k', (n) => ({
      next: (n ?? 0) + 1,
      result: (n ?? 0) + 1,
    }));
  for (let i = 0; i < 10; i++) await increment();

  const { streamInfo } = await (await openCounterBucket(nc, 120_000)).status();
  expect(streamInfo.config.num_replicas).toBe(3);
  const leader = cluster.nodes.find((n) => n.name === streamInfo.cluster?.leader);
  expect(leader, JSON.stringify(streamInfo.cluster)).toBeDefined();
  process.kill(leader?.pid ?? 0, 'SIGKILL');

  const started = Date.now();
  let after = 0;
  await waitUntil(
    'a count after the leader died',
    async () => {
      after = await increment();
    },
    30_000,
  );
  console.log(`counted again ${Date.now() - started} ms after ${leader?.name} was killed`);
  expect(after).toBeGreaterThanOrEqual(11); // 12 if a write answered too late was kept
}, 60_000);
