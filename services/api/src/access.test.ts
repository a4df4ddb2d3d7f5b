import { describe, expect, it } from 'vitest';
import { mayAccess } from './access.js';

describe('role ACL', () => {
  it('lets admins reach everything', () => {
    for (const path of ['/api/account', '/api/account/x', '/api/engines', '/api/cluster/info'])
      expect(mayAccess('admin', path)).toBe(true);
  });

  it('lets users reach containers, groups, cluster, events, engines and their password only', () => {
    for (const path of [
      '/api/containers',
      '/api/containers/abc/logs',
      '/api/groups/g/scale',
      '/api/cluster/info',
      '/api/events',
      '/api/engines/e1',
      '/account/passwdchange',
    ]) {
      expect(mayAccess('user', path)).toBe(true);
    }
    for (const path of [
      '/api/account',
      '/api/account/01J',
      '/api/accounts',
      '/api/containersX',
      '/api/admin/replay',
      '/account',
    ]) {
      expect(mayAccess('user', path)).toBe(false);
    }
  });
});
