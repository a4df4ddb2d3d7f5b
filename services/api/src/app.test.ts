import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';

const logger = pino({ level: 'silent' });

describe('api app', () => {
  it('answers /healthz 503 until started and every check passes, then 200', async () => {
    let started = false;
    let natsUp = true;
    const app = createApp({
      logger,
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
      logger,
      started: () => started,
      checks: { nats: () => Promise.resolve(natsUp) },
    });
    started = true;
    response = await ready.request('/healthz');
    expect(response.status).toBe(200);
    natsUp = false;
    expect((await ready.request('/healthz')).status).toBe(503);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const app = createApp({ logger, started: () => true, checks: {} });
    const response = await app.request('/api/nothing', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'not_found', message: 'no route for POST /api/nothing' },
    });
  });
});
