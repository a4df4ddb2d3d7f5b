// `npm run bench -- replay`: rebuild the read model from a 1,000,000-event log (SQLite) of the
// mix a running Berth writes, beside the time to merely read those events.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NewEvent } from '@berth/contracts';
import { chainKey, openSqliteEventLog } from '@berth/eventlog';
import { newId } from '@berth/ids';
import { replay } from '../replay.js';

const TOTAL = 1_000_000;
const id = newId();
const metadata = { actor: 'bench', commandId: id, correlationId: id, causationId: id };

/** One container's life, a step for each slot 40–59 of a block of 100 events. */
const containerStep = (i: number, engine: string): [string, NewEvent] => {
  const group = `G${Math.floor(i / 10_000)}`;
  const container = `C${Math.floor(i / 100)}`;
  const reserved = { cpus: 0.1, memory: 64 };
  const step = (i % 100) - 40;
  const on = { container, engine };
  const events: [string, string, unknown][] = [
    [
      'schedule',
      'ContainerPlaced',
      { ...on, group, name: `berth-${container}`, ...reserved, reason: 'run' },
    ],
    [
      `container-${container}`,
      'ContainerCreated',
      {
        ...on,
        dockerId: 'f'.repeat(64),
        ports: [{ container: 80, host: 32768, protocol: 'tcp', hostIp: '10.0.0.2' }],
      },
    ],
    [`container-${container}`, 'ContainerStarted', on],
    [`container-${container}`, 'ContainerActionRequested', { ...on, action: 'stop' }],
    [`container-${container}`, 'ContainerStopped', on],
    [`container-${container}`, 'ContainerStarted', on],
    [
      'schedule',
      'ContainerReleased',
      { ...on, group, ...reserved, reason: 'scaled down', remove: true },
    ],
    [`container-${container}`, 'ContainerDestroyed', { ...on, reason: 'scaled down' }],
  ];
  const [stream, type, data] = events[step] ?? [
    `docker-${engine}`,
    'DockerContainerEvent',
    { engine, action: 'start', dockerId: 'f'.repeat(64), container, group, timeNano: String(i) },
  ];
  return [stream, { type, data, metadata }];
};

/**
 * The i-th event of a realistic mix: health samples, container lives (placed, created, started,
 * stopped, released, destroyed, and what Docker reported), logins, some accounts and engines.
 */
const mixed = (i: number): [string, NewEvent] => {
  const engine = `engine-${i % 200}`;
  const account = `A${i % 5000}`;
  const slot = i % 100;
  if (i % 10_000 === 39) {
    const spec = { image: 'web:1', cpus: 0.1, memory: 64, labels: [], ports: [] };
    const data = { group: `G${Math.floor(i / 10_000)}`, spec, desired: 100, pull: false };
    return ['schedule', { type: 'GroupCreated', data, metadata }];
  }
  if (slot >= 40 && slot < 60) return containerStep(i, engine);
  if (slot < 40) {
    const data = {
      id: engine,
      status: i % 7 === 0 ? 'unhealthy' : 'healthy',
      responseTimeMs: 2.5,
      checkedAt: new Date(1_800_000_000_000 + i).toISOString(),
      reason: 'answers /_ping',
    };
    return [`health-${engine}`, { type: 'EngineHealthChanged', data, metadata }];
  }
  if (slot < 75) {
    const data = {
      accountId: account,
      tokenHash: (i * 2654435761).toString(16).padStart(64, '0'),
      expiresAt: '2030-01-01T00:00:00.000Z',
      source: '10.0.0.1',
    };
    return [`account-u${i % 5000}`, { type: 'SessionStarted', data, metadata }];
  }
  if (slot < 90)
    return [
      'login-failures',
      {
        type: 'LoginFailed',
        data: { username: `u${i}`, source: '10.0.0.9', reason: 'wrong password' },
        metadata,
      },
    ];
  if (slot < 94)
    return [
      `account-u${i % 5000}`,
      {
        type: 'AccountAdded',
        data: { accountId: account, username: `u${i % 5000}`, role: 'user' },
        metadata,
      },
    ];
  if (slot < 98)
    return [
      `account-u${i % 5000}`,
      {
        type: 'AccountPasswordSet',
        data: { accountId: account, hash: 'scrypt$16384$8$1$c2FsdA==$a2V5' },
        metadata,
      },
    ];
  const added = {
    id: engine,
    addr: `tcp://10.0.${i % 200}.2:2375`,
    cpus: 4,
    memory: 8192,
    labels: ['ssd'],
    dockerVersion: '20.10',
    source: 'agent',
  };
  return [
    `engine-${engine}`,
    slot === 98
      ? { type: 'EngineAdded', data: added, metadata }
      : { type: 'EngineLost', data: { id: engine, reason: 'lease expired' }, metadata },
  ];
};

const dir = mkdtempSync(join(tmpdir(), 'berth-bench-replay-'));
try {
  const log = openSqliteEventLog({ file: join(dir, 'events.db'), key: chainKey(randomBytes(32)) });
  const filled = performance.now();
  for (let i = 0; i < TOTAL; i += 1000) {
    const batch = Array.from({ length: 1000 }, (_, k) => mixed(i + k));
    await Promise.all(batch.map(([stream, event]) => log.append(stream, 'any', [event])));
  }
  console.log(
    `\nReplay (${TOTAL.toLocaleString('en-US')} events, filled in ${((performance.now() - filled) / 1000).toFixed(1)} s)`,
  );

  const readStarted = performance.now();
  for (let from = 1; ;) {
    const page = await log.readAll(from, { limit: 10_000 });
    const last = page[page.length - 1];
    if (last === undefined) break;
    from = last.position + 1;
  }
  const readMs = performance.now() - readStarted;

  const { model, ms } = await replay(log);
  const row = (what: string, value: string) => console.log(`${what.padEnd(58)} ${value}`);
  row(
    'replay into a fresh read model',
    `${(ms / 1000).toFixed(2)} s, ${Math.round((TOTAL / ms) * 1000).toLocaleString('en-US')} events/s  (${(ms / readMs).toFixed(2)}× reading the same events)`,
  );
  row('reading the events alone', `${(readMs / 1000).toFixed(2)} s`);
  row(
    'model after replay',
    `${model.accounts.list().length} accounts, ${model.engines.list().length} engines, ${model.containers.groupList().length} groups, position ${model.position}`,
  );
  await log.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
