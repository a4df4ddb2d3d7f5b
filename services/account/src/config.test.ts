import { expect, it } from 'vitest';
import { readAdminConfig } from './config.js';

it('takes the first admin from the environment, generating the password when unset', () => {
  expect(readAdminConfig({})).toEqual({ username: 'admin', password: undefined });
  expect(readAdminConfig({ BERTH_ADMIN_USER: 'root', BERTH_ADMIN_PASSWORD: '' })).toEqual({
    username: 'root',
    password: undefined,
  });
  expect(readAdminConfig({ BERTH_ADMIN_PASSWORD: 'long-enough' }).password).toBe('long-enough');
});

it('refuses a first admin password that breaks the password policy, naming the variable', () => {
  expect(() => readAdminConfig({ BERTH_ADMIN_PASSWORD: 'short' })).toThrow(
    /BERTH_ADMIN_PASSWORD: at least 8 characters/,
  );
  expect(() => readAdminConfig({ BERTH_ADMIN_PASSWORD: 'x'.repeat(257) })).toThrow(
    /BERTH_ADMIN_PASSWORD: at most 256 characters/,
  );
});

it('refuses a first admin name with control characters', () => {
  expect(() => readAdminConfig({ BERTH_ADMIN_USER: 'ad\u001b[2Jmin' })).toThrow(/BERTH_ADMIN_USER/);
});
