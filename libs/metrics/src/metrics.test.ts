import { describe, expect, it } from 'vitest';
import {
  berthMetrics,
  commandFinished,
  metricsText,
  observeSeconds,
  serveMetrics,
  trackFollower,
  trackRouterRequests,
} from './index.js';

/** The value of one sample line of the Prometheus text, or undefined when it is absent. */
const sample = (text: string, line: string) => {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
};

describe('metrics', () => {
  it('counts commands by type and outcome with their latency', async () => {
    commandFinished('TestRun', 'ok', 0.003);
    commandFinished('TestRun', 'ok', 0.2);
    commandFinished('TestRun', 'conflict', 0.001);
    const text = await metricsText();
    expect(sample(text, 'berth_commands_total{type="TestRun",outcome="ok"}')).toBe(2);
    expect(sample(text, 'berth_commands_total{type="TestRun",outcome="conflict"}')).toBe(1);
    expect(
      sample(text, 'berth_command_duration_seconds_bucket{le="0.005",type="TestRun",outcome="ok"}'),
    ).toBe(1);
    expect(sample(text, 'berth_command_duration_seconds_count{type="TestRun",outcome="ok"}')).toBe(
      2,
    );
  });

  it('times work that throws as well as work that succeeds', async () => {
    const seen: number[] = [];
    const histogram = { observe: (s: number) => seen.push(s) };
    await observeSeconds(histogram, () => new Promise((r) => setTimeout(r, 20)));
    await expect(
      observeSeconds(histogram, () => Promise.reject(new Error('store down'))),
    ).rejects.toThrow('store down');
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBeGreaterThanOrEqual(0.015);
  });

  it('reports each follower’s lag behind the head at scrape time, until untracked', async () => {
    let position = 40;
    const untrack = trackFollower('test-follower', () => Promise.resolve(100 - position));
    expect(sample(await metricsText(), 'berth_follower_lag_events{follower="test-follower"}')).toBe(
      60,
    );
    position = 100;
    expect(sample(await metricsText(), 'berth_follower_lag_events{follower="test-follower"}')).toBe(
      0,
    );
    untrack();
    expect(
      sample(await metricsText(), 'berth_follower_lag_events{follower="test-follower"}'),
    ).toBeUndefined();
  });

  it('reads router requests from its source and keeps going when the source fails', async () => {
    let fail = false;
    const untrack = trackRouterRequests(() =>
      fail ? Promise.reject(new Error('no haproxy')) : Promise.resolve({ web: 12 }),
    );
    expect(sample(await metricsText(), 'berth_router_requests{service="web"}')).toBe(12);
    fail = true;
    expect(await metricsText()).toContain('berth_router_requests');
    untrack();
  });

  it('names every family berth_', async () => {
    berthMetrics.sseClients.inc();
    berthMetrics.sseClients.dec();
    const names = (await metricsText())
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2] ?? '');
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !n.startsWith('berth_'))).toEqual([]);
  });

  it('serves GET /metrics on its own port and nothing else', async () => {
    const server = await serveMetrics(0, '127.0.0.1');
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      expect(await response.text()).toContain('# TYPE berth_commands_total counter');
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
