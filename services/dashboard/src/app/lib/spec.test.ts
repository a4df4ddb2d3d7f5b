import { describe, expect, it } from 'vitest';
import { EMPTY_RUN_FORM, fieldOf, parseEnv, parsePorts, runBody, splitWords } from './spec';

describe('splitWords', () => {
  it('splits on blanks and keeps quoted text whole', () => {
    expect(splitWords(`sh -c 'echo "hi there"; sleep 1'`)).toEqual([
      'sh',
      '-c',
      'echo "hi there"; sleep 1',
    ]);
    expect(splitWords(`  a\\ b "c\\"d" ''  `)).toEqual(['a b', 'c"d', '']);
    expect(splitWords('')).toEqual([]);
  });
});

describe('the run form', () => {
  it('reads ports with host, container and protocol', () => {
    expect(parsePorts('80, 8080:81\n53/udp')).toEqual([
      { container: 80 },
      { container: 81, host: 8080 },
      { container: 53, protocol: 'udp' },
    ]);
  });

  it('passes what is not a number on as text, for the API to refuse by field', () => {
    expect(parsePorts('http')).toEqual([{ container: 'http' }]);
    expect(runBody({ ...empty, image: 'x', memory: 'lots' }).memory).toBe('lots');
  });

  it('reads KEY=value lines, values may hold =', () => {
    expect(parseEnv('A=1\n\nB=x=y\nC')).toEqual({ A: '1', B: 'x=y', C: '' });
  });

  const empty = EMPTY_RUN_FORM;

  it('leaves out what the form leaves empty', () => {
    expect(runBody({ ...empty, image: ' busybox ' })).toEqual({ image: 'busybox' });
  });

  it('builds the whole spec', () => {
    expect(
      runBody({
        name: 'web',
        image: 'berth/busybox:test',
        command: 'sleep 30',
        cpus: '0.5',
        memory: '32',
        ports: '80',
        env: 'A=1',
        healthCommand: 'true',
        healthInterval: '2',
      }),
    ).toEqual({
      name: 'web',
      image: 'berth/busybox:test',
      cmd: ['sleep', '30'],
      cpus: 0.5,
      memory: 32,
      ports: [{ container: 80 }],
      env: { A: '1' },
      healthcheck: { cmd: ['true'], intervalSeconds: 2 },
    });
  });

  it('names the form field of an API field', () => {
    expect(fieldOf('ports.0.container')).toBe('ports');
    expect(fieldOf('memory')).toBe('memory');
    expect(fieldOf(undefined)).toBeUndefined();
  });
});
