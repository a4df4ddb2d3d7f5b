import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEtcd, type LocalEtcd } from '@berth/local-infra';
import { ANCHOR_KEY, anchorPeriodically, etcdAnchors } from './anchor.js';

let dir: string;
let etcdServer: LocalEtcd;
let etcd: Etcd3;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-anchor-'));
  etcdServer = await startEtcd(join(dir, 'etcd'));
  etcd = new Etcd3({ hosts: etcdServer.url });
});
afterAll(async () => {
  etcd.close();
  await etcdServer.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('keeps the anchor moving forward only, even with writers racing', async () => {
  const anchors = etcdAnchors(etcd);
  await etcd.delete().key(ANCHOR_KEY);
  expect(await anchors.read()).toBeUndefined();
  const at = new Date('2026-01-01T00:00:00Z');
  await Promise.all(
    [5, 9, 3, 7].map((position) => anchors.advance({ position, hash: `h${position}` }, at)),
  );
  expect(await anchors.read()).toEqual({ position: 9, hash: 'h9', at: at.toISOString() });
  expect(await anchors.advance({ position: 8, hash: 'h8' }, at)).toBeUndefined();
  expect(JSON.parse((await etcd.get(ANCHOR_KEY).string()) ?? '{}')).toMatchObject({ position: 9 });
});

it('anchors the head periodically and writes a log line for each anchor', async () => {
  await etcd.delete().key(ANCHOR_KEY);
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  let head = { position: 0, hash: '' };
  const anchoring = anchorPeriodically(etcdAnchors(etcd), () => head, logger, 50);
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(await etcdAnchors(etcd).read()).toBeUndefined(); // nothing to anchor in an empty log
  head = { position: 12, hash: 'abc' };
  await anchoring.stop();
  expect(await etcdAnchors(etcd).read()).toMatchObject({ position: 12, hash: 'abc' });
  const logged = lines.map((l) => JSON.parse(l) as { msg: string; anchor?: unknown });
  expect(logged.filter((l) => l.msg === 'event log head anchored')).toEqual([
    expect.objectContaining({ anchor: expect.objectContaining({ position: 12, hash: 'abc' }) }),
  ]);
});
