import { describe, expect, it } from 'vitest';
import { canonicalEngineAddr, EngineAddr } from './engines.js';

describe('engine addresses', () => {
  it('spell one engine one way', () => {
    expect(canonicalEngineAddr('tcp://LOCALHOST:2375')).toBe('tcp://127.0.0.1:2375');
    expect(canonicalEngineAddr('tcp://Docker-1.Example.:02375')).toBe(
      'tcp://docker-1.example:2375',
    );
    expect(canonicalEngineAddr('unix:///var/run/../run/./docker.sock/')).toBe(
      'unix:///var/run/docker.sock',
    );
    expect(canonicalEngineAddr('unix:///var//run/docker.sock')).toBe('unix:///var/run/docker.sock');
  });

  it('refuse what is not an address', () => {
    for (const bad of [
      'tcp://127.0.0.1:99999',
      'tcp://h:0',
      'unix:///',
      'unix:///..',
      'http://h:1',
    ])
      expect(canonicalEngineAddr(bad)).toBeUndefined();
    expect(EngineAddr.safeParse('tcp://127.0.0.1:99999').success).toBe(false);
    expect(EngineAddr.parse('tcp://LocalHost:1')).toBe('tcp://127.0.0.1:1');
  });
});
