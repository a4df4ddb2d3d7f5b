import { describe, expect, it } from 'vitest';
import { ImageSpec } from '@berth/contracts';
import { generateSecretKey, parseSecretKey, sealSecret } from '@berth/auth';
import { openSecretEnv } from './secret-env.js';

const key = parseSecretKey(generateSecretKey());
const spec = (secretEnv?: Record<string, string>) =>
  ImageSpec.parse({ image: 'berth/busybox:test', ...(secretEnv && { secretEnv }) });

describe('openSecretEnv', () => {
  it('opens every sealed value', () => {
    const sealed = spec({ A: sealSecret(key, 'one'), B: sealSecret(key, '') });
    expect(openSecretEnv(sealed, key)).toEqual({ A: 'one', B: '' });
    expect(openSecretEnv(spec(), key)).toEqual({});
  });

  it('names the variable that does not open, and not its value', () => {
    const other = parseSecretKey(generateSecretKey());
    const sealed = spec({ DB_PASSWORD: sealSecret(other, 'hunter2') });
    expect(() => openSecretEnv(sealed, key)).toThrow(
      "secretEnv.DB_PASSWORD does not open with this cluster's secret key",
    );
  });
});
