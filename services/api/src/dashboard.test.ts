import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { dashboardRoutes, loadStaticFiles } from './dashboard.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-dashboard-'));
mkdirSync(join(dir, 'assets'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Berth</title>');
writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log("berth")');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const appWith = (files: ReturnType<typeof loadStaticFiles>) => {
  const app = new Hono();
  app.get('/healthz', (c) => c.text('ok'));
  dashboardRoutes(app, files);
  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'none' } }, 404));
  return app;
};

describe('the dashboard files', () => {
  const app = appWith(loadStaticFiles(dir));

  it('serves index.html at / with a policy that allows only this origin', async () => {
    const response = await app.request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await response.text()).toContain('<title>Berth</title>');
  });

  it('serves hashed assets for good, gzipped when the client takes gzip', async () => {
    const response = await app.request('/assets/index-abc.js', {
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect(gunzipSync(Buffer.from(await response.arrayBuffer())).toString()).toBe(
      'console.log("berth")',
    );
  });

  it('leaves other paths and routes alone', async () => {
    expect(await (await app.request('/healthz')).text()).toBe('ok');
    for (const path of ['/nope', '/%2e%2e/etc/passwd', '/assets', '/index.html/'])
      expect((await app.request(path)).status, path).toBe(404);
    expect((await app.request('/', { method: 'POST' })).status).toBe(404);
  });

  it('serves nothing when the dashboard is not built', async () => {
    const bare = appWith(loadStaticFiles(join(dir, 'absent')));
    expect((await bare.request('/')).status).toBe(404);
    expect(loadStaticFiles(undefined).size).toBe(0);
  });
});
