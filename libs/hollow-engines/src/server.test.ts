import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHollowEngines, type HollowEngines } from './index.js';

const IMAGE = 'berth/busybox:test';
let hollow: HollowEngines;
const client = (i: number) => {
  const url = new URL((hollow.addrs[i] ?? '').replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port), protocol: 'http' });
};

beforeAll(async () => {
  hollow = await startHollowEngines(3, { latencyMs: 1, cpus: 4, memoryMb: 2048 });
});
afterAll(() => hollow.stop());

describe('hollow engines through dockerode', () => {
  it('answer ping, version, info and images like a daemon', async () => {
    const docker = client(0);
    expect(String(await docker.ping())).toBe('OK');
    expect((await docker.version()).ApiVersion).toMatch(/^1\.\d+$/);
    const info = (await docker.info()) as { NCPU: number; MemTotal: number };
    expect(info).toMatchObject({ NCPU: 4, MemTotal: 2048 * 1024 * 1024 });
    expect((await docker.listImages()).flatMap((i) => i.RepoTags ?? [])).toEqual([IMAGE]);
  });

  it('run a container through its life, with the events Docker reports', async () => {
    const docker = client(1);
    const events = await docker.getEvents({
      filters: { type: ['container'], label: ['app'] },
    });
    const seen: string[] = [];
    events.on('data', (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter((line) => line !== '')
        .forEach((line) => seen.push((JSON.parse(line) as { Action: string }).Action)),
    );
    const container = await docker.createContainer({
      name: 'web-1',
      Image: IMAGE,
      Labels: { app: 'web' },
    });
    await container.start();
    expect((await container.inspect()).State.Running).toBe(true);
    const listed = await docker.listContainers({ filters: { label: ['app=web'] } });
    expect(listed.map((c) => c.Names[0])).toEqual(['/web-1']);
    await expect(docker.createContainer({ name: 'web-1', Image: IMAGE })).rejects.toMatchObject({
      statusCode: 409,
    });
    await container.stop();
    const stopped = await docker.getContainer('web-1').inspect();
    expect(stopped.State).toMatchObject({ Running: false, ExitCode: 143 });
    await container.start();
    await container.kill();
    await container.remove({ force: true });
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    (events as unknown as { destroy(): void }).destroy();
    expect(seen).toEqual(['create', 'start', 'die', 'stop', 'start', 'kill', 'die', 'destroy']);
  });

  it('refuses an unknown image and keeps each engine to itself', async () => {
    await expect(client(2).createContainer({ Image: 'nope:1' })).rejects.toMatchObject({
      statusCode: 404,
    });
    await client(2).createContainer({ Image: IMAGE });
    expect(await client(0).listContainers({ all: true })).toEqual([]);
    expect(await client(2).listContainers({ all: true })).toHaveLength(1);
  });

  it('serves logs as a multiplexed stream', async () => {
    const container = await client(0).createContainer({ name: 'logger', Image: IMAGE });
    const output = await container.logs({ stdout: true, follow: false });
    expect(output.readUInt8(0)).toBe(1);
    expect(output.subarray(8).toString()).toBe('hollow container logger\n');
  });

  it('serves one-shot stats whose CPU counters grow while the container runs', async () => {
    const container = await client(1).createContainer({ name: 'busy', Image: IMAGE });
    await container.start();
    const read = () => container.stats({ stream: false, 'one-shot': true });
    const first = await read();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await read();
    expect(second.cpu_stats.online_cpus).toBe(4);
    expect(second.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(
      first.cpu_stats.cpu_usage.total_usage,
    );
    expect(second.cpu_stats.system_cpu_usage).toBeGreaterThan(first.cpu_stats.system_cpu_usage);
    expect(second.memory_stats.usage).toBeGreaterThan(0);
  });
});
