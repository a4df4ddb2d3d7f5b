// `npm start` as a user sees it: ready within 30 s, and nothing left behind when stopped.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnBerth } from '@berth/testkit';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it has exited, so it does not count as left behind.
  return !/State:\s+Z/.test(readStatus(pid));
};
const readStatus = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
};

const startBerth = async () => {
  const berth = await spawnBerth({ BERTH_LOG_LEVEL: 'info' });
  const childPids = [...berth.output().matchAll(/"pid":(\d+),"url"/g)].map((m) => Number(m[1]));
  return { ...berth, childPids };
};

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of cleanup.splice(0)) await stop();
});

describe('npm start (one machine)', () => {
  it('answers /healthz 503 while starting, 200 within 30 s, and leaves no child after Ctrl-C', async () => {
    const berth = await startBerth();
    cleanup.push(berth.stop);
    expect(berth.statuses.at(-1), berth.output()).toBe(200);
    expect(berth.readyMs).toBeLessThan(30_000);
    expect(berth.statuses.filter((c) => c !== 0 && c !== 200).every((c) => c === 503)).toBe(true);
    expect(berth.childPids).toHaveLength(2); // nats-server and etcd
    for (const pid of berth.childPids) expect(alive(pid)).toBe(true);
    // Its NATS takes no client without the password kept in the data directory.
    const port = /listen: "127\.0\.0\.1:(\d+)"/.exec(
      readFileSync(join(berth.dataDir, 'nats-server.conf'), 'utf8'),
    )?.[1];
    await expect(
      connect({ servers: `nats://127.0.0.1:${port}`, reconnect: false }),
    ).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });

    berth.child.kill('SIGINT');
    const [code] = (await berth.exited) as [number | null];
    expect(code).toBe(0);
    for (const pid of berth.childPids) expect(alive(pid)).toBe(false);
  });

  it('takes its children down even when it is killed with SIGKILL', async () => {
    const berth = await startBerth();
    cleanup.push(berth.stop);
    expect(berth.statuses.at(-1), berth.output()).toBe(200);
    berth.child.kill('SIGKILL');
    await berth.exited;
    const deadline = Date.now() + 10_000;
    while (berth.childPids.some(alive) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    for (const pid of berth.childPids) expect(alive(pid)).toBe(false);
  });

  it('exits with 1 and says why when it cannot start (its port is taken)', async () => {
    const taken = createServer((_req, res) => res.writeHead(418).end());
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-e2e-'));
    try {
      const { port } = taken.address() as { port: number };
      const berth = await spawnBerth({}, { dataDir, port });
      cleanup.push(berth.stop);
      const [code] = (await berth.exited) as [number | null];
      expect(code, berth.output()).toBe(1);
      expect(berth.output()).toContain('berth could not start');
      expect(berth.output()).toContain(`address already in use 127.0.0.1:${port}`);
    } finally {
      taken.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
