import { describe, expect, it } from 'vitest';
import { ImageSpec, type ContainerEvent } from '@berth/contracts';
import { ContainersProjection } from './containers.js';

const spec = ImageSpec.parse({ image: 'web:1' });
const created = (group: string, name?: string): ContainerEvent => ({
  type: 'GroupCreated',
  data: { group, spec, desired: 0, pull: false, ...(name === undefined ? {} : { name }) },
});

describe('containers projection: groups', () => {
  it('finds a group by id or by service name, the newest group that had the name', () => {
    const projection = new ContainersProjection({ reserve: () => undefined });
    const at = '2026-01-01T00:00:00.000Z';
    for (const e of [created('01OLD', 'web'), created('01NEW', 'web'), created('01ANON')])
      projection.apply(e, at);
    expect(projection.group('web')).toMatchObject({ id: '01NEW', name: 'web' });
    expect(projection.group('01old')).toMatchObject({ id: '01OLD', name: 'web' });
    expect(projection.group('01ANON')).not.toHaveProperty('name');
    expect(projection.group('api')).toBeUndefined();
  });
});

describe('containers projection: secret variables', () => {
  it('shows a group the names of its secret variables and keeps none of their sealed values', () => {
    const projection = new ContainersProjection({ reserve: () => undefined });
    const sealed = { ...spec, secretEnv: { DB_PASSWORD: 'v1.c2VhbGVk', API_KEY: 'v1.YWxzbw==' } };
    projection.apply(
      { type: 'GroupCreated', data: { group: '01SECRET', spec: sealed, desired: 0, pull: false } },
      '2026-01-01T00:00:00.000Z',
    );
    const group = projection.group('01SECRET');
    expect(group?.spec.secretEnv).toEqual(['DB_PASSWORD', 'API_KEY']);
    // Nor does the checkpoint written from it.
    expect(JSON.stringify(projection.snapshot())).not.toContain('v1.');
  });
});
