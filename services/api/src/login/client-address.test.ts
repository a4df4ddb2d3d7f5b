import { describe, expect, it } from 'vitest';
import { clientAddress, parseTrustedProxies } from './client-address.js';

const none = parseTrustedProxies('');
const proxies = parseTrustedProxies('127.0.0.1, 10.0.0.0/8, fd00::/8');

describe('clientAddress', () => {
  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.9', none)).toBe('127.0.0.1');
    expect(clientAddress('::ffff:192.0.2.1', undefined, none)).toBe('192.0.2.1');
  });

  it('is the socket peer when the peer is not a trusted proxy', () => {
    expect(clientAddress('192.0.2.1', '203.0.113.9', proxies)).toBe('192.0.2.1');
  });

  it('is the right-most untrusted entry behind trusted proxies', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.9', proxies)).toBe('203.0.113.9');
    expect(clientAddress('::ffff:127.0.0.1', '203.0.113.9, 10.1.2.3', proxies)).toBe('203.0.113.9');
    // What the client wrote itself (left of the first untrusted hop) is ignored.
    expect(clientAddress('127.0.0.1', '1.1.1.1, 203.0.113.9, 10.0.0.7', proxies)).toBe(
      '203.0.113.9',
    );
    expect(clientAddress('10.0.0.1', ' 2001:db8::1 ,fd00::3', proxies)).toBe('2001:db8::1');
  });

  it('is the trusted peer when X-Forwarded-For is missing or empty', () => {
    expect(clientAddress('127.0.0.1', undefined, proxies)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', ' , ', proxies)).toBe('127.0.0.1');
  });

  it('stops at an entry that is no IP address, at the hop that passed it on', () => {
    expect(clientAddress('127.0.0.1', 'evil, 10.0.0.7', proxies)).toBe('10.0.0.7');
    expect(clientAddress('127.0.0.1', '203.0.113.9:1234', proxies)).toBe('127.0.0.1');
  });

  it('is the left-most entry when every hop is trusted', () => {
    expect(clientAddress('127.0.0.1', '10.0.0.9, 10.0.0.8', proxies)).toBe('10.0.0.9');
  });
});

describe('parseTrustedProxies', () => {
  it('takes IPs and CIDRs of both families', () => {
    expect(proxies.has('10.200.0.1')).toBe(true);
    expect(proxies.has('11.0.0.1')).toBe(false);
    expect(proxies.has('fd00::1')).toBe(true);
    expect(proxies.has('not an ip')).toBe(false);
  });

  it('refuses an entry that is neither, naming it', () => {
    expect(() => parseTrustedProxies('127.0.0.1, localhost')).toThrow(/"localhost"/);
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow(/10.0.0.0\/33/);
    expect(() => parseTrustedProxies('10.0.0.0/8/1')).toThrow();
  });
});
