import { describe, expect, it } from 'vitest';
import { mayAccess } from './access.js';

describe('role ACL', () => {
  it('lets admins reach everything', () => {
    for (const path of ['/api/account', '/api/account/x', '/api/engines', '/api/cluster/info'])
      expect(mayAccess('admin', 'POST', path)).toBe(true);
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
      '/api/me',
    ]) {
      expect(mayAccess('user', 'GET', path)).toBe(true);
    }
    for (const path of [
      '/api/account',
      '/api/account/01J',
      '/api/accounts',
      '/api/accounts/ann',
      '/api/containersX',
      '/api/admin/replay',
      '/api/agents/join-token',
      '/account',
    ]) {
      expect(mayAccess('user', 'GET', path)).toBe(false);
    }
  });

  it('lets users read engines but not add or remove them', () => {
    expect(mayAccess('user', 'GET', '/api/engines')).toBe(true);
    expect(mayAccess('user', 'POST', '/api/engines')).toBe(false);
    expect(mayAccess('user', 'DELETE', '/api/engines/e1')).toBe(false);
    expect(mayAccess('admin', 'DELETE', '/api/engines/e1')).toBe(true);
  });

  it('lets users read themselves, but set no quota', () => {
    expect(mayAccess('user', 'PUT', '/api/me')).toBe(false);
    expect(mayAccess('user', 'PUT', '/api/accounts/ann/quota')).toBe(false);
    expect(mayAccess('admin', 'PUT', '/api/accounts/ann/quota')).toBe(true);
  });
});
