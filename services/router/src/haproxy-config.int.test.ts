import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { renderConfig } from './haproxy-config.js';

it('renders a configuration that Debian’s haproxy accepts, with every slot pre-allocated', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-haproxy-'));
  try {
    const text = renderConfig({
      host: '127.0.0.1',
      port: 18_080,
      socket: join(dir, 'admin.sock'),
      hostsMap: join(dir, 'hosts.map'),
      services: 3,
      replicasPerService: 4,
    });
    writeFileSync(join(dir, 'hosts.map'), '');
    writeFileSync(join(dir, 'haproxy.cfg'), text);
    const { stdout } = await promisify(execFile)('haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')]);
    expect(stdout).toMatch(/Configuration file is valid/);
    expect(text.match(/^backend /gm)).toHaveLength(3);
    expect(text.match(/^ {2}server r\d+ 127\.0\.0\.1:1 disabled$/gm)).toHaveLength(12);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
