import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHosts, type TestHost } from '@berth/testkit';
import { inspectEngine, ping } from './index.js';

describe('Docker engine probes against a real test host', () => {
  let host: TestHost;
  let down: () => Promise<void>;
  let notDocker: Server;
  let notDockerPort = 0;
  beforeAll(async () => {
    const started = await startTestHosts(1);
    host = started.hosts[0] as TestHost;
    down = started.down;
    notDocker = createServer((_req, res) => res.writeHead(404).end('no such page'));
    await new Promise<void>((resolve) => notDocker.listen(0, '127.0.0.1', resolve));
    notDockerPort = (notDocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    notDocker.close();
    await down();
  });

  it('reads version, cpus, memory and images over tcp and over the unix socket', async () => {
    for (const addr of [host.dockerUrl, `unix://${host.socket.replace('unix://', '')}`]) {
      const facts = await inspectEngine({ addr });
      expect(facts.dockerVersion).toMatch(/^\d+\.\d+/);
      expect(facts.cpus).toBeGreaterThan(0);
      expect(facts.memoryMb).toBeGreaterThan(100);
      expect(facts.images).toContain('berth/busybox:test');
      expect(await ping({ addr }, 1000)).toBeGreaterThan(0);
    }
  });

  it('rejects an address where nothing listens, or where the server is not Docker', async () => {
    await expect(inspectEngine({ addr: 'tcp://127.0.0.1:1' })).rejects.toMatchObject({
      code: 'rejected',
      field: 'addr',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    await expect(inspectEngine({ addr: `tcp://127.0.0.1:${notDockerPort}` })).rejects.toMatchObject(
      { code: 'rejected', message: expect.stringContaining('not a Docker API') },
    );
  });

  it('times out on a frozen daemon instead of hanging', async () => {
    await host.freezeDocker();
    const started = Date.now();
    await expect(ping({ addr: host.dockerUrl }, 500)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1500);
    await host.thawDocker();
  });
});
