import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { UnavailableError } from '@berth/errors';
import { createApp } from './app.js';
import type { Gateway } from './gateway.js';
import { parseTrustedProxies } from './login/client-address.js';
import { kvCounters } from './login/counters.js';
import { loginGuard } from './login/guard.js';
import { DEFAULT_LOGIN_LIMITS } from './login/policy.js';
import { DEFAULT_STREAM_LIMITS } from './routes/events.js';

const logger = pino({ level: 'silent' });
// These routes never reach the services; a gateway that fails shows it.
const gateway: Gateway = {
  command: () => Promise.reject(new UnavailableError('no bus in this test')),
  query: () => Promise.reject(new UnavailableError('no bus in this test')),
  logs: () => Promise.reject(new UnavailableError('no bus in this test')),
};
const base = {
  logger,
  gateway,
  tokenTtlMs: 60_000,
  loginGuard: loginGuard(
    kvCounters(() => Promise.reject(new Error('no JetStream in this test'))),
    DEFAULT_LOGIN_LIMITS,
  ),
  trustedProxies: parseTrustedProxies(''),
  log: () => undefined,
  streamLimits: DEFAULT_STREAM_LIMITS,
  secretKey: () => undefined,
  logsMaxBytes: 10 * 1024 * 1024,
};

describe('api app', () => {
  it('answers /healthz 503 until started and every check passes, then 200', async () => {
    let started = false;
    let natsUp = true;
    const app = createApp({
      ...base,
      started: () => started,
      checks: {
        nats: () => Promise.resolve(natsUp),
        store: () => Promise.reject(new Error('down')),
      },
    });
    let response = await app.request('/healthz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: 'unavailable',
      started: false,
      checks: { nats: true, store: false },
    });

    const ready = createApp({
      ...base,
      started: () => started,
      checks: { nats: () => Promise.resolve(natsUp) },
    });
    started = true;
    response = await ready.request('/healthz');
    expect(response.status).toBe(200);
    natsUp = false;
    expect((await ready.request('/healthz')).status).toBe(503);
  });

  it('answers 401 without a token, before any service is asked', async () => {
    const app = createApp({ ...base, started: () => true, checks: {} });
    for (const [method, path] of [
      ['GET', '/api/account'],
      ['POST', '/api/account'],
      ['GET', '/api/cluster/info'],
      ['POST', '/account/passwdchange'],
    ] as const) {
      const response = await app.request(path, { method });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    }
  });

  it('refuses logins with 503 while the login counters cannot be reached', async () => {
    const app = createApp({ ...base, started: () => true, checks: {} });
    const response = await app.request('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'whatever-1' }),
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: { code: 'unavailable', message: 'the login counters cannot be reached' },
    });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const app = createApp({ ...base, started: () => true, checks: {} });
    const response = await app.request('/nothing', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'not_found', message: 'no route for POST /nothing' },
    });
  });
});
