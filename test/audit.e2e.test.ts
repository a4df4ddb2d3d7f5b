// The audit log proves itself on a running Berth: its head is anchored outside the store, so
// `verify` names an edited event, a chain made again without the key, and a cut tail.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnBerth, type BerthProcess } from '@berth/testkit';

let berth: BerthProcess;
let admin = '';

const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${berth.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const verify = async () => (await call('POST', '/api/admin/verify')).body;
/** The anchors the service logged, newest last. */
const anchoredPositions = () =>
  berth
    .output()
    .split('\n')
    .filter((line) => line.includes('event log head anchored'))
    .map((line) => (JSON.parse(line) as { anchor: { position: number } }).anchor.position);

beforeAll(async () => {
  berth = await spawnBerth({
    BERTH_ADMIN_PASSWORD: 'audit-admin-1',
    BERTH_ANCHOR_INTERVAL_SECONDS: '0.2',
    BERTH_LOG_LEVEL: 'info',
  });
  const login = await fetch(`${berth.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'audit-admin-1' }),
  });
  admin = ((await login.json()) as { token: string }).token;
  for (let i = 0; i < 6; i++) {
    const added = await call('POST', '/api/account', {
      username: `auditor-${i}`,
      password: `auditor-password-${i}`,
      role: 'user',
    });
    expect(added.status).toBe(201);
  }
});
afterAll(async () => {
  await berth.stop();
});

it('keeps its data directory to its own user: directories 0700, files 0600', () => {
  const stat = (name: string) => statSync(join(berth.dataDir, name));
  expect(stat('.').mode & 0o777).toBe(0o700);
  const entries = readdirSync(berth.dataDir);
  expect(entries).toEqual(
    expect.arrayContaining(['etcd', 'events.db', 'events.db-wal', 'events.db-shm', 'secret.key']),
  );
  expect(Object.fromEntries(entries.map((name) => [name, stat(name).mode & 0o777]))).toEqual(
    Object.fromEntries(entries.map((name) => [name, stat(name).isDirectory() ? 0o700 : 0o600])),
  );
});

it('anchors the head in etcd and the service log, and verifies against it', async () => {
  const log = berth.openLog();
  const head = await log.head();
  await log.close();
  const deadline = Date.now() + 10_000;
  while (!anchoredPositions().some((p) => p >= head) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  expect(Math.max(...anchoredPositions())).toBeGreaterThanOrEqual(head);
  expect(await verify()).toMatchObject({ ok: true });
});

it('reports a tail cut below the anchored head', async () => {
  const anchored = Math.max(...anchoredPositions());
  const raw = new Database(join(berth.dataDir, 'events.db'));
  raw.exec('DROP TRIGGER events_no_delete');
  raw.prepare('DELETE FROM events WHERE position > ?').run(anchored - 3);
  raw.close();
  expect(await verify()).toEqual({
    ok: false,
    checked: anchored - 3,
    position: anchored - 2,
    reason: 'truncated below the anchor',
  });
});

it('names the first edited event when the chain was recomputed with plain SHA-256', async () => {
  const log = berth.openLog();
  const [second, ...rest] = await log.readAll(2);
  await log.close();
  const raw = new Database(join(berth.dataDir, 'events.db'));
  raw.exec('DROP TRIGGER events_no_update');
  raw.prepare(`UPDATE events SET actor = 'mallory' WHERE position = 3`).run();
  let previous = second?.hash ?? '';
  for (const event of rest) {
    const edited = event.position === 3 ? { ...event, actor: 'mallory' } : event;
    previous = createHash('sha256').update(previous).update(JSON.stringify(edited)).digest('hex');
    raw.prepare('UPDATE events SET hash = ? WHERE position = ?').run(previous, event.position);
  }
  raw.close();
  expect(await verify()).toMatchObject({
    ok: false,
    checked: 2,
    position: 3,
    reason: 'chain recomputed without the key',
  });
});
