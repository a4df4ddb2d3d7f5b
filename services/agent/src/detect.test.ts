import { describe, expect, it } from 'vitest';
import type { NetworkInterfaceInfo } from 'node:os';
import { chooseAddress, detectHost } from './detect.js';

const v4 = (address: string, internal = false) =>
  ({
    address,
    family: 'IPv4',
    internal,
    netmask: '255.255.255.0',
    mac: '00:00:00:00:00:00',
    cidr: null,
  }) as NetworkInterfaceInfo;

describe('host detection', () => {
  it('picks the first external IPv4 of a real interface, skipping loopback and Docker bridges', () => {
    expect(
      chooseAddress({
        lo: [v4('127.0.0.1', true)],
        docker0: [v4('172.17.0.1')],
        'br-1a2b': [v4('172.18.0.1')],
        eth0: [v4('10.0.0.5')],
      }),
    ).toBe('10.0.0.5');
    expect(chooseAddress({ lo: [v4('127.0.0.1', true)] })).toBeUndefined();
  });

  it('reports this machine: cpus, memory in MB, and the Docker address', () => {
    const host = detectHost({ address: '10.9.8.7', dockerPort: 2375 });
    expect(host.addr).toBe('tcp://10.9.8.7:2375');
    expect(host.cpus).toBeGreaterThan(0);
    expect(host.memory).toBeGreaterThan(100);
  });
});
