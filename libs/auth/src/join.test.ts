import { describe, expect, it } from 'vitest';
import { hasValidJoinProof, isJoinToken, joinProof, joinToken } from './join.js';
import { parseSecretKey } from './secrets.js';

const key = parseSecretKey(Buffer.alloc(32, 7).toString('base64'));
const other = parseSecretKey(Buffer.alloc(32, 8).toString('base64'));

describe('engine join token', () => {
  it('is the same for every instance with the key, and another for another key', () => {
    expect(joinToken(key)).toBe(joinToken(key));
    expect(joinToken(key)).not.toBe(joinToken(other));
    expect(isJoinToken(key, joinToken(key))).toBe(true);
    expect(isJoinToken(key, joinToken(other))).toBe(false);
    expect(isJoinToken(key, 'short')).toBe(false);
  });

  it('proves a registration for its own id and address only', () => {
    const engine = { id: 'host-1', addr: 'tcp://10.0.0.1:2375' };
    const proof = joinProof(joinToken(key), engine);
    expect(hasValidJoinProof(key, { ...engine, proof })).toBe(true);
    expect(hasValidJoinProof(key, { ...engine, id: 'host-2', proof })).toBe(false);
    expect(hasValidJoinProof(key, { ...engine, addr: 'tcp://10.0.0.2:2375', proof })).toBe(false);
    expect(hasValidJoinProof(other, { ...engine, proof })).toBe(false);
    expect(hasValidJoinProof(key, engine)).toBe(false);
  });
});
