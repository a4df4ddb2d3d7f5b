import { describe, expect, it } from 'vitest';
import { ImageSpec } from '@berth/contracts';
import { healthcheckOptions, healthOf } from './health.js';

const checkOf = (healthcheck: unknown) =>
  ImageSpec.parse({ image: 'web:1', healthcheck }).healthcheck;

describe('health checks', () => {
  it('runs a cmd check in the container with Docker, in nanoseconds', () => {
    const check = checkOf({ cmd: ['test', '-e', '/ready'], intervalSeconds: 2, retries: 2 });
    expect(healthcheckOptions(check)).toEqual({
      Healthcheck: {
        Test: ['CMD', 'test', '-e', '/ready'],
        Interval: 2e9,
        Timeout: 5e9,
        Retries: 2,
        StartPeriod: 0,
      },
    });
  });

  it('asks the container its own http port with wget; Docker bounds it by the timeout', () => {
    const check = checkOf({ http: { port: 8080, path: '/healthz' }, timeoutSeconds: 2 });
    expect(healthcheckOptions(check).Healthcheck?.Test).toEqual([
      'CMD',
      'wget',
      '-q',
      '-O',
      '/dev/null',
      'http://127.0.0.1:8080/healthz',
    ]);
    expect(healthcheckOptions(check).Healthcheck?.Timeout).toBe(2e9);
    expect(healthcheckOptions(undefined)).toEqual({});
  });

  it('refuses a check with neither or both of cmd and http, and numbers out of bounds', () => {
    const refused = (healthcheck: unknown) =>
      ImageSpec.safeParse({ image: 'web:1', healthcheck }).error?.issues[0]?.path.join('.');
    expect(refused({})).toBe('healthcheck');
    expect(refused({ cmd: ['true'], http: { port: 80 } })).toBe('healthcheck');
    expect(refused({ cmd: ['true'], intervalSeconds: 0 })).toBe('healthcheck.intervalSeconds');
    expect(refused({ http: { port: 80, path: 'no-slash' } })).toBe('healthcheck.http.path');
    expect(refused({ http: { port: 80 }, retries: 1000 })).toBe('healthcheck.retries');
  });

  it('reads the verdict of a health_status event, and nothing else', () => {
    expect(healthOf('health_status: healthy')).toBe('healthy');
    expect(healthOf('health_status: unhealthy')).toBe('unhealthy');
    expect(healthOf('exec_start: wget')).toBeUndefined();
  });
});
