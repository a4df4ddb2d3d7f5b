import { describe, expect, it } from 'vitest';
import { generateSecretKey, openSecret, parseSecretKey, sealSecret } from './secrets.js';

describe('sealed secrets', () => {
  it('round-trips, hides the plaintext, and refuses the wrong key or a changed byte', () => {
    const key = parseSecretKey(generateSecretKey());
    const sealed = sealSecret(key, '-----BEGIN PRIVATE KEY-----\nabc');
    expect(sealed).not.toContain('PRIVATE');
    expect(sealSecret(key, 'same')).not.toBe(sealSecret(key, 'same'));
    expect(openSecret(key, sealed)).toBe('-----BEGIN PRIVATE KEY-----\nabc');
    expect(() => openSecret(parseSecretKey(generateSecretKey()), sealed)).toThrow();
    const flipped = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => openSecret(key, flipped)).toThrow();
    expect(() => parseSecretKey('c2hvcnQ=')).toThrow(/32 bytes/);
  });
});
