import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHosts, type TestHost } from './test-hosts.js';

// The test hosts themselves: separate addresses, each a real Docker API, and the failure knobs.
describe('test hosts', () => {
  let hosts: TestHost[];
  let down: () => Promise<void>;
  beforeAll(async () => {
    ({ hosts, down } = await startTestHosts(2));
  });
  afterAll(() => down());

  const ping = (host: TestHost) =>
    fetch(`http://${host.address}:2375/_ping`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.text(),
      () => 'no answer',
    );

  it('are separate Docker hosts with the test image', async () => {
    expect(new Set(hosts.map((h) => h.address)).size).toBe(2);
    for (const host of hosts) {
      expect(await ping(host)).toBe('OK');
      const images = (await (await fetch(`http://${host.address}:2375/images/json`)).json()) as {
        RepoTags: string[];
      }[];
      expect(images.flatMap((i) => i.RepoTags)).toContain('berth/busybox:test');
    }
  });

  it('can lose a host by stopping, freezing or cutting it, and bring it back', async () => {
    const host = hosts[0] as TestHost;
    await host.stopDocker();
    expect(await ping(host)).toBe('no answer');
    await host.startDocker();
    expect(await ping(host)).toBe('OK');
    await host.freezeDocker();
    expect(await ping(host)).toBe('no answer');
    await host.thawDocker();
    expect(await ping(host)).toBe('OK');
    await host.cutLink();
    expect(await ping(host)).toBe('no answer');
    await host.restoreLink();
    expect(await ping(host)).toBe('OK');
    expect(await ping(hosts[1] as TestHost)).toBe('OK');
  });

  it('can lose a host for good: its containers die with its daemons, the other carries on', async () => {
    const host = hosts[1] as TestHost;
    const docker = async (...args: string[]) =>
      (await promisify(execFile)('docker', ['-H', host.socket, ...args])).stdout.trim();
    const id = await docker('run', '-d', 'berth/busybox:test', 'sleep', '600');
    const pid = Number(await docker('inspect', '-f', '{{.State.Pid}}', id));
    const alive = (p: number) => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(pid)).toBe(true);
    await host.kill();
    expect(await ping(host)).toBe('no answer');
    // SIGKILL is delivered at once; the kernel may take a moment to reap.
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
    expect(await ping(hosts[0] as TestHost)).toBe('OK');
  });
});
