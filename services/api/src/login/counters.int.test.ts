// Two api instances (two connections) counting the same keys in the real JetStream KV bucket.
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startNatsServer, type LocalNats } from '@berth/local-infra';
import { kvCounters, openCounterBucket, type Counters } from './counters.js';
import { loginGuard, type LoginGuard } from './guard.js';
import { DEFAULT_LOGIN_LIMITS } from './policy.js';

const TTL_MS = 120_000;
let nats: LocalNats;
let connections: NatsConnection[] = [];
beforeAll(async () => {
  nats = await startNatsServer();
  connections = await Promise.all([connect(nats.access), connect(nats.access)]);
});
afterAll(async () => {
  await Promise.all(connections.map((nc) => nc.drain()));
  await nats.stop();
});
const instances = () => connections.map((nc) => kvCounters(() => openCounterBucket(nc, TTL_MS)));

it('loses no count when two instances change one key 200 times at once', async () => {
  const [a, b] = instances() as [Counters, Counters];
  const key = `test.${randomUUID()}`;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      (i % 2 === 0 ? a : b).change<number, void>(key, (n) => ({
        next: (n ?? 0) + 1,
        result: undefined,
      })),
    ),
  );
  const total = await a.change<number, number>(key, (n) => ({ result: n ?? 0 }));
  console.log(`200 increments from 2 instances: ${total} counted in ${Date.now() - started} ms`);
  expect(total).toBe(200);
});

it('lets exactly `freeAttempts` of 200 parallel attempts through across two instances', async () => {
  const limits = { ...DEFAULT_LOGIN_LIMITS, freeAttempts: 5, perAddressPerMinute: 1000 };
  const [a, b] = instances().map((counters) => loginGuard(counters, limits)) as [
    LoginGuard,
    LoginGuard,
  ];
  const username = `u${randomUUID().slice(0, 8)}`;
  const waits = await Promise.all(
    Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).admit(username, '192.0.2.1')),
  );
  expect(waits.filter((w) => w === 0)).toHaveLength(5);
  expect(waits.filter((w) => w > 0)).toHaveLength(195);
  // Another address is not held back by this one's flood.
  expect(await a.admit(username, '192.0.2.2')).toBe(0);
});

it('gives an existing bucket the configured TTL', async () => {
  const nc = connections[0] as NatsConnection;
  await openCounterBucket(nc, TTL_MS);
  const kv = await openCounterBucket(nc, 90_000);
  expect((await kv.status()).ttl).toBe(90_000);
});
