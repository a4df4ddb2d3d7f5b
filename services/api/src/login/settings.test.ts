import { expect, it } from 'vitest';
import { readLoginSettings } from './settings.js';

it('reads the login limits and trusted proxies, with defaults', () => {
  const defaults = readLoginSettings({});
  expect(defaults.limits).toEqual({
    freeAttempts: 10,
    firstDelayMs: 1000,
    maxDelayMs: 300_000,
    perAddressPerMinute: 30,
  });
  expect(defaults.countersTtlMs).toBe(600_000);
  expect(defaults.trustedProxies.has('127.0.0.1')).toBe(false);
  const set = readLoginSettings({
    BERTH_LOGIN_FREE_ATTEMPTS: '3',
    BERTH_TRUSTED_PROXIES: '127.0.0.1',
  });
  expect(set.limits.freeAttempts).toBe(3);
  expect(set.trustedProxies.has('127.0.0.1')).toBe(true);
});

it('refuses bad settings, naming the variable', () => {
  expect(() => readLoginSettings({ BERTH_TRUSTED_PROXIES: 'proxy.local' })).toThrow(
    /BERTH_TRUSTED_PROXIES: "proxy.local" is neither/,
  );
  expect(() => readLoginSettings({ BERTH_LOGIN_FREE_ATTEMPTS: '0' })).toThrow(
    /BERTH_LOGIN_FREE_ATTEMPTS/,
  );
  expect(() => readLoginSettings({ BERTH_LOGIN_MAX_DELAY_MS: '10' })).toThrow(
    /BERTH_LOGIN_MAX_DELAY_MS: must be at least/,
  );
});
