import { describe, expect, it } from 'vitest';
import { canonicalEngineAddr, EngineAddr, isInsecureEngine } from './engines.js';

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

  it('call plain TCP to a public or unknown address insecure, and nothing else', () => {
    for (const addr of [
      'tcp://127.0.0.1:2375',
      'tcp://10.231.4.2:2375',
      'tcp://172.31.0.1:2375',
      'tcp://192.168.1.9:2375',
      'tcp://169.254.0.1:2375',
      'tcp://100.64.0.1:2375',
      'unix:///var/run/docker.sock',
    ])
      expect(isInsecureEngine(addr, false), addr).toBe(false);
    for (const addr of [
      'tcp://8.8.8.8:2375',
      'tcp://172.32.0.1:2375',
      'tcp://docker-1.example:2375',
    ])
      expect(isInsecureEngine(addr, false), addr).toBe(true);
    expect(isInsecureEngine('tcp://8.8.8.8:2376', true)).toBe(false);
  });
});
