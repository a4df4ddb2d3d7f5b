import { describe, expect, it } from 'vitest';
import { RegistryHost, registryOf } from './registries.js';

describe('registries', () => {
  it("names an image's registry as Docker does", () => {
    expect(registryOf('busybox')).toBe('docker.io');
    expect(registryOf('library/busybox:1.36')).toBe('docker.io');
    expect(registryOf('ghcr.io/acme/web:2')).toBe('ghcr.io');
    expect(registryOf('localhost/web')).toBe('localhost');
    expect(registryOf('127.0.0.1:5000/team/web@sha256:abc')).toBe('127.0.0.1:5000');
  });

  it('accepts registry hosts and refuses what is not one', () => {
    for (const ok of ['docker.io', 'registry.example.com:5000', '127.0.0.1:5000', 'localhost'])
      expect(RegistryHost.safeParse(ok).success).toBe(true);
    for (const bad of ['', 'https://ghcr.io', 'ghcr.io/acme', 'Ghcr.io', 'a b', 'host:0', '-x.io'])
      expect(RegistryHost.safeParse(bad).success, bad).toBe(false);
  });
});
