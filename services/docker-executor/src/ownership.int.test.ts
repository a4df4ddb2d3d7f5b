import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEtcd, type LocalEtcd } from '@berth/local-infra';
import { within } from '@berth/testkit';
import { engineOwnership } from './ownership.js';

const TTL_SECONDS = 2;
const ENGINES = Array.from({ length: 40 }, (_, i) => `e${i}`);
const logger = pino({ level: 'silent' });

let dir: string;
let etcdServer: LocalEtcd;
const clients: Etcd3[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-ownership-'));
  etcdServer = await startEtcd(join(dir, 'etcd'));
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await etcdServer.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A TCP path to etcd that can be cut: what an instance behind it sends is dropped. */
const cuttableEtcd = async () => {
  const target = new URL(etcdServer.url);
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(Number(target.port), target.hostname);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    /** Nothing gets through any more, as in a network partition. */
    cut: () => {
      server.close();
      sockets.forEach((s) => s.pause());
    },
    close: () => (server.close(), sockets.forEach((s) => s.destroy())),
  };
};

/** One executor instance's ownership on its own etcd client, with when it got and lost what. */
const instance = (name: string, url = etcdServer.url) => {
  const etcd = new Etcd3({ hosts: url });
  clients.push(etcd);
  const acquiredAt = new Map<string, number>();
  const lostAt = new Map<string, number>();
  const ownership = engineOwnership(etcd, `${name}-${process.pid}`, TTL_SECONDS, logger, {
    acquired: (engine) => acquiredAt.set(engine, Date.now()),
    lost: (engine) => lostAt.set(engine, Date.now()),
  });
  const owned = () => ENGINES.filter((e) => ownership.owns(e));
  return { etcd, ownership, owned, acquiredAt, lostAt };
};

it('gives each engine to exactly one instance, and all of a stopped one to the other at once', async () => {
  const a = instance('a');
  const b = instance('b');
  ENGINES.forEach((e) => a.ownership.want(e));
  await within(5000, 'a works every engine', () =>
    Promise.resolve(a.owned().length === ENGINES.length),
  );
  ENGINES.forEach((e) => b.ownership.want(e));
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(b.owned()).toEqual([]);

  const stoppedAt = Date.now();
  await a.ownership.stop();
  const tookMs = await within(3000, 'b works every engine', () =>
    Promise.resolve(b.owned().length === ENGINES.length),
  );
  expect(tookMs).toBeLessThan(TTL_SECONDS * 1000); // a let go: no lease had to expire
  expect(Math.min(...b.acquiredAt.values())).toBeGreaterThanOrEqual(stoppedAt);

  await b.ownership.drop('e0');
  expect(b.ownership.owns('e0')).toBe(false);
  await b.ownership.stop();
});

it('fences: an instance cut off from etcd gives its engines up before another can take them', async () => {
  const path = await cuttableEtcd();
  const cut = instance('cut', path.url);
  const other = instance('other');
  ENGINES.forEach((e) => cut.ownership.want(e));
  await within(5000, 'cut works every engine', () =>
    Promise.resolve(cut.owned().length === ENGINES.length),
  );
  ENGINES.forEach((e) => other.ownership.want(e));

  path.cut(); // no keepalive reaches etcd from now on: its lease runs out
  await within(TTL_SECONDS * 3000, 'the other works every engine', () =>
    Promise.resolve(ENGINES.every((e) => other.ownership.owns(e))),
  );
  expect(cut.owned()).toEqual([]);
  for (const engine of ENGINES)
    expect(cut.lostAt.get(engine)).toBeLessThan(other.acquiredAt.get(engine) ?? 0);
  await other.ownership.stop();
  path.close();
  await cut.ownership.stop();
});
