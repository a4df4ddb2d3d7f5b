// `npm start` as a user sees it: ready within 30 s, and nothing left behind when stopped.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@berth/local-infra';

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
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-start-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['services/standalone/dist/main.js'], {
    env: {
      ...process.env,
      BERTH_PORT: String(port),
      BERTH_DATA_DIR: dataDir,
      BERTH_NATS_URL: '',
      BERTH_ETCD_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  const started = Date.now();
  let status = 0;
  const codes: number[] = [];
  while (Date.now() - started < 30_000 && child.exitCode === null) {
    status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    codes.push(status);
    if (status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const childPids = [...output.matchAll(/"pid":(\d+),"url"/g)].map((m) => Number(m[1]));
  return {
    child,
    exited,
    status,
    codes,
    readyMs: Date.now() - started,
    childPids,
    output: () => output,
    dataDir,
  };
};

const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

describe('npm start (one machine)', () => {
  it('answers /healthz 503 while starting, 200 within 30 s, and leaves no child after Ctrl-C', async () => {
    const berth = await startBerth();
    cleanup.push(() => rmSync(berth.dataDir, { recursive: true, force: true }));
    expect(berth.status, berth.output()).toBe(200);
    expect(berth.readyMs).toBeLessThan(30_000);
    expect(berth.codes.filter((c) => c !== 0 && c !== 200).every((c) => c === 503)).toBe(true);
    expect(berth.childPids).toHaveLength(2); // nats-server and etcd
    for (const pid of berth.childPids) expect(alive(pid)).toBe(true);

    berth.child.kill('SIGINT');
    const [code] = (await berth.exited) as [number | null];
    expect(code).toBe(0);
    for (const pid of berth.childPids) expect(alive(pid)).toBe(false);
  });

  it('takes its children down even when it is killed with SIGKILL', async () => {
    const berth = await startBerth();
    cleanup.push(() => rmSync(berth.dataDir, { recursive: true, force: true }));
    expect(berth.status, berth.output()).toBe(200);
    berth.child.kill('SIGKILL');
    await berth.exited;
    const deadline = Date.now() + 10_000;
    while (berth.childPids.some(alive) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    for (const pid of berth.childPids) expect(alive(pid)).toBe(false);
  });
});
