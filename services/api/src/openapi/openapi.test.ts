import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../app.js';
import { openApiDocument } from './document.js';

// Only the route table is read here: no request reaches a dependency.
const app = createApp({} as AppDeps);
const doc = openApiDocument();
const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);

/**
 * `METHOD /path/{param}` for every route the app serves (middleware excluded). The dashboard's
 * files are one catch-all; the document names its page, `/`.
 */
const appRoutes = () =>
  new Set(
    app.routes
      .filter((r) => METHODS.has(r.method))
      .map((r) => `${r.method} ${r.path === '/*' ? '/' : r.path.replace(/:(\w+)/g, '{$1}')}`),
  );
const documented = () =>
  new Set(
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    ),
  );

describe('openapi document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every route the app serves, and no route it does not', () => {
    const served = appRoutes();
    expect(served.size).toBeGreaterThan(30);
    expect([...served].filter((r) => !documented().has(r))).toEqual([]);
    expect([...documented()].filter((r) => !served.has(r))).toEqual([]);
  });

  it('gives every operation its error shape, and path parameters for every {name}', () => {
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods) as [string, Operation][]) {
        const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
        expect(errors.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const [, response] of errors)
          expect(response.content?.['application/json']?.schema).toEqual({
            $ref: '#/components/schemas/ErrorBody',
          });
        const names = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name);
        const inPath = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        expect(inPath, `${method} ${path}`).toEqual(names);
      }
  });

  it('documents bodies and query parameters from the contracts', () => {
    const run = doc.paths['/api/containers']?.post as Operation;
    expect(run.requestBody?.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/RunBody',
    });
    expect(run.parameters?.map((p) => p.name)).toEqual(['count', 'pull', 'Idempotency-Key']);
    const body = doc.components.schemas.RunBody as { properties: Record<string, unknown> };
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['image', 'cmd', 'name']));
    const error = doc.components.schemas.ErrorBody as { properties: Record<string, unknown> };
    expect(error.properties).toHaveProperty('error');
  });

  it('is served at /openapi.json and rendered at /docs with nothing fetched from elsewhere', async () => {
    const served = await app.request('/openapi.json');
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(JSON.parse(JSON.stringify(doc)));
    const page = await app.request('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    for (const path of Object.keys(doc.paths)) expect(html).toContain(path);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
  });
});

type Operation = {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};
