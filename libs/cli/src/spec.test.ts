import { describe, expect, it } from 'vitest';
import { endOptionsAtFirstPositional, UsageError } from './command.js';
import {
  parseCount,
  parseCpus,
  parseEnv,
  parseLabel,
  parseMemory,
  parsePort,
  parseTimeout,
  runRequest,
} from './spec.js';

const usage = (f: () => unknown, message: RegExp) => {
  expect(f).toThrow(UsageError);
  expect(f).toThrow(message);
};

describe('parsePort', () => {
  it('reads CONTAINER, HOST:CONTAINER and a protocol', () => {
    expect(parsePort('80')).toEqual({ container: 80 });
    expect(parsePort('8080:80')).toEqual({ container: 80, host: 8080 });
    expect(parsePort('53/udp')).toEqual({ container: 53, protocol: 'udp' });
    expect(parsePort('5353:53/UDP')).toEqual({ container: 53, host: 5353, protocol: 'udp' });
    expect(parsePort('65535:1/tcp')).toEqual({ container: 1, host: 65535, protocol: 'tcp' });
  });

  it('refuses what is not a port, naming the flag and the value', () => {
    usage(() => parsePort('0'), /^--port 0: 0 is not a port/);
    usage(() => parsePort('70000'), /--port 70000: 70000 is not a port/);
    usage(() => parsePort('8080:0'), /0 is not a port/);
    usage(() => parsePort('80/sctp'), /--port 80\/sctp: the protocol must be tcp or udp/);
    usage(() => parsePort('http'), /--port http: must be \[HOST:\]CONTAINER/);
    usage(() => parsePort('127.0.0.1:8080:80'), /must be \[HOST:\]CONTAINER/);
    usage(() => parsePort(''), /must be \[HOST:\]CONTAINER/);
    usage(() => parsePort('-1'), /must be \[HOST:\]CONTAINER/);
  });
});

describe('parseEnv', () => {
  it('splits at the first =, keeps empty values, and takes a bare name from here', () => {
    expect(parseEnv(['A=1', 'URL=a=b', 'EMPTY=', '_x9=y', 'HOME'], { HOME: '/root' })).toEqual({
      A: '1',
      URL: 'a=b',
      EMPTY: '',
      _x9: 'y',
      HOME: '/root',
    });
    expect(parseEnv(['A=1', 'A=2'], {})).toEqual({ A: '2' }); // the last one wins, as in docker
  });

  it('refuses names that are not variable names, and bare names not set here', () => {
    usage(() => parseEnv(['=1'], {}), /^--env =…: must be NAME=VALUE/);
    usage(() => parseEnv(['1A=1'], {}), /--env 1A=…/);
    usage(() => parseEnv(['A-B=1'], {}), /--env A-B=…/);
    usage(() => parseEnv(['NOPE'], {}), /--env NOPE: NOPE is not set here/);
  });
});

describe('parseLabel, parseCpus, parseMemory, parseCount, parseTimeout', () => {
  it('takes one-word labels only', () => {
    expect(parseLabel('ssd')).toBe('ssd');
    usage(() => parseLabel(''), /--label "": must be one word/);
    usage(() => parseLabel('zone a'), /--label "zone a"/);
  });

  it('takes positive CPUs with at most three decimals', () => {
    expect(parseCpus('2')).toBe(2);
    expect(parseCpus('0.5')).toBe(0.5);
    expect(parseCpus('.25')).toBe(0.25);
    expect(parseCpus('0.001')).toBe(0.001);
    for (const bad of ['0', '0.0', '-1', '0.0001', 'one', '1e3', '', '1.'])
      usage(() => parseCpus(bad), /^--cpus .*: must be a positive number with at most 3 decimals/);
  });

  it('takes memory in MB, with m or g units', () => {
    expect(parseMemory('256')).toBe(256);
    expect(parseMemory('256m')).toBe(256);
    expect(parseMemory('64MB')).toBe(64);
    expect(parseMemory('1g')).toBe(1024);
    expect(parseMemory('1.5GB')).toBe(1536);
    for (const bad of ['0', '-5', 'lots', '1.5', '1k', '', '2t'])
      usage(() => parseMemory(bad), /^--memory .*: must be whole megabytes/);
  });

  it('takes whole counts in range', () => {
    expect(parseCount('3', '--count', 1)).toBe(3);
    expect(parseCount('0', 'COUNT', 0)).toBe(0);
    expect(parseCount('1000', 'COUNT', 0)).toBe(1000);
    usage(
      () => parseCount('0', '--count', 1),
      /^--count must be a whole number from 1 to 1000, not 0/,
    );
    usage(() => parseCount('1001', 'COUNT', 0), /COUNT must be .* not 1001/);
    usage(() => parseCount('2.5', 'COUNT', 0), /not 2\.5/);
    usage(() => parseCount('abc', 'COUNT', 0), /not abc/);
  });

  it('takes a positive timeout in seconds', () => {
    expect(parseTimeout('60')).toBe(60);
    expect(parseTimeout('0.5')).toBe(0.5);
    usage(() => parseTimeout('0'), /--timeout 0: must be a positive number of seconds/);
    usage(() => parseTimeout('soon'), /--timeout soon/);
  });
});

describe('runRequest', () => {
  it('builds the image spec from IMAGE, CMD and the flags, leaving out what was not given', () => {
    expect(runRequest(['busybox'], {}, {})).toEqual({
      spec: { image: 'busybox' },
      count: 1,
      pull: false,
    });
    expect(
      runRequest(
        ['berth/busybox:test', 'httpd', '-f', '-p', '80'],
        {
          count: '3',
          cpus: '0.5',
          memory: '1g',
          port: ['80', '8443:443/tcp'],
          env: ['MODE=prod'],
          label: ['ssd'],
          entrypoint: '/bin/sh',
          hostname: 'web',
          pull: true,
        },
        {},
      ),
    ).toEqual({
      spec: {
        image: 'berth/busybox:test',
        cmd: ['httpd', '-f', '-p', '80'],
        entrypoint: ['/bin/sh'],
        env: { MODE: 'prod' },
        cpus: 0.5,
        memory: 1024,
        hostname: 'web',
        labels: ['ssd'],
        ports: [{ container: 80 }, { container: 443, host: 8443, protocol: 'tcp' }],
      },
      count: 3,
      pull: true,
    });
  });

  it('takes --secret-env as NAME=VALUE or a bare NAME from here, and never shows a value', () => {
    expect(
      runRequest(
        ['busybox'],
        { 'secret-env': ['API_KEY=k=1', 'DB_PASSWORD'] },
        { DB_PASSWORD: 'from-the-shell' },
      ).spec,
    ).toEqual({ image: 'busybox', secretEnv: { API_KEY: 'k=1', DB_PASSWORD: 'from-the-shell' } });
    usage(
      () => runRequest(['busybox'], { 'secret-env': ['DB_PASSWORD'] }, {}),
      /^--secret-env DB_PASSWORD: DB_PASSWORD is not set here/,
    );
    usage(
      () => runRequest(['busybox'], { 'secret-env': ['BAD-NAME=hunter2'] }, {}),
      /^--secret-env BAD-NAME=…: must be NAME=VALUE with a variable name$/,
    );
  });

  it('takes a service name beside the spec', () => {
    expect(runRequest(['busybox'], { name: 'web' }, {})).toEqual({
      spec: { image: 'busybox' },
      count: 1,
      pull: false,
      name: 'web',
    });
  });

  it('needs an image and refuses bad flags', () => {
    usage(() => runRequest([], {}, {}), /say which image/);
    usage(() => runRequest(['busybox'], { count: '0' }, {}), /--count must be/);
    usage(() => runRequest(['busybox'], { port: ['x'] }, {}), /--port x/);
    usage(() => runRequest(['busybox'], { env: ['1=2'] }, {}), /--env 1=…/);
  });
});

describe('endOptionsAtFirstPositional', () => {
  const options = {
    count: { type: 'string' },
    port: { type: 'string', short: 'p', multiple: true },
    pull: { type: 'boolean' },
    json: { type: 'boolean' },
  } as const;

  it('ends berth options at the image, so the command keeps its own flags', () => {
    expect(
      endOptionsAtFirstPositional(
        ['--count', '3', '-p', '80', '--pull', 'img', 'httpd', '-f', '-p', '80', '--json'],
        options,
      ),
    ).toEqual([
      '--count',
      '3',
      '-p',
      '80',
      '--pull',
      '--',
      'img',
      'httpd',
      '-f',
      '-p',
      '80',
      '--json',
    ]);
    expect(endOptionsAtFirstPositional(['--count=3', 'img'], options)).toEqual([
      '--count=3',
      '--',
      'img',
    ]);
  });

  it('leaves arguments alone that have no positional or already a --', () => {
    expect(endOptionsAtFirstPositional(['--count', '3'], options)).toEqual(['--count', '3']);
    expect(endOptionsAtFirstPositional(['--json', '--', 'img', '-x'], options)).toEqual([
      '--json',
      '--',
      'img',
      '-x',
    ]);
  });
});
