import { describe, expect, it } from 'vitest';
import { ImageSpec } from '@berth/contracts';
import { generateSecretKey, openSecret, parseSecretKey } from '@berth/auth';
import { ValidationError } from '@berth/errors';
import { sealSecretEnv } from './secret-env.js';

const key = parseSecretKey(generateSecretKey());
const spec = (extra: object) => ImageSpec.parse({ image: 'berth/busybox:test', ...extra });

describe('sealSecretEnv', () => {
  it('seals every value under the key and leaves the rest of the spec as it was', () => {
    const sealed = sealSecretEnv(
      spec({ env: { A: '1' }, secretEnv: { DB_PASSWORD: 'hunter2' } }),
      key,
    );
    expect(sealed.env).toEqual({ A: '1' });
    const value = sealed.secretEnv?.DB_PASSWORD ?? '';
    expect(value).not.toContain('hunter2');
    expect(openSecret(key, value)).toBe('hunter2');
  });

  it('leaves a spec without secret variables alone', () => {
    const plain = spec({ env: { A: '1' } });
    expect(sealSecretEnv(plain, key)).toBe(plain);
  });

  it('refuses a name that is in env too, naming secretEnv.NAME', () => {
    const clash = spec({ env: { TOKEN: 'plain-value' }, secretEnv: { TOKEN: 'secret-value' } });
    const error = (() => {
      try {
        return sealSecretEnv(clash, key);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('secretEnv.TOKEN');
    expect((error as ValidationError).message).not.toMatch(/secret-value|plain-value/);
  });
});
