import { describe, expect, it } from 'vitest';
import { ImageSpec } from './containers.js';
import { hostEscapes, SPEC_FIELD_ACCESS } from './host-access.js';

const base = ImageSpec.parse({ image: 'berth/busybox:test' });
const fieldsOf = (extra: Record<string, unknown>) =>
  hostEscapes(ImageSpec.parse({ ...base, ...extra })).map((e) => e.field);

describe('host access of a spec', () => {
  it('classifies every spec field, so a new one cannot slip past', () => {
    expect(Object.keys(SPEC_FIELD_ACCESS).sort()).toEqual(Object.keys(ImageSpec.shape).sort());
  });

  it('lets anyone use named volumes, ordinary networks, ports, env and limits', () => {
    expect(
      fieldsOf({
        volumes: ['data:/data', 'cache:/cache:ro'],
        networkMode: 'bridge',
        ports: [{ container: 80 }],
        env: { A: '1' },
        cpus: 0.5,
        privileged: false,
        capAdd: [],
      }),
    ).toEqual([]);
  });

  it('names every host-reaching option', () => {
    expect(fieldsOf({ volumes: ['data:/d', '/:/host', '/etc:/e:ro'] })).toEqual([
      'volumes.1',
      'volumes.2',
    ]);
    expect(fieldsOf({ networkMode: 'host' })).toEqual(['networkMode']);
    expect(fieldsOf({ networkMode: 'container:abc' })).toEqual(['networkMode']);
    for (const [field, value] of Object.entries({
      links: ['db:db'],
      cpuset: '0',
      privileged: true,
      capAdd: ['SYS_ADMIN'],
      devices: ['/dev/sda'],
      pidMode: 'host',
      ipcMode: 'host',
      utsMode: 'host',
      usernsMode: 'host',
      sysctls: { 'net.ipv4.ip_forward': '1' },
      securityOpt: ['seccomp=unconfined'],
      cgroupParent: '/system',
    }))
      expect(fieldsOf({ [field]: value }), field).toEqual([field]);
  });
});
