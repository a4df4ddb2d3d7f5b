import { describe, expect, it } from 'vitest';
import type { ContainerEvent } from '@berth/contracts';
import { fold } from '@berth/decider';
import { containerDecider, type ContainerCommand } from './container.js';

const C = 'C1';
const created: ContainerEvent[] = [
  { type: 'ContainerCreated', data: { container: C, engine: 'e1', dockerId: 'd1', ports: [] } },
  { type: 'ContainerStarted', data: { container: C, engine: 'e1' } },
];

/** Given a history, when a command: the events it decides, folded into the history. */
const when = (history: ContainerEvent[], command: ContainerCommand) => {
  const events = containerDecider.decide(command, fold(containerDecider, history));
  history.push(...events);
  return events;
};
const exit = (
  exitCode: number | null,
  now: number,
  restartPolicy?: 'no' | 'on-failure' | 'always',
  ranMs = 20,
): ContainerCommand => ({
  type: 'RecordExit',
  container: C,
  exitCode,
  reason: `exited with code ${exitCode ?? 'unknown'}`,
  ranMs,
  now,
  restartPolicy,
});
const started: ContainerCommand = { type: 'RecordStarted', container: C };

describe('container decider: exits', () => {
  it('backs a crash loop off 1 s, 2 s, 4 s with a rising restart count, each until a time', () => {
    const history = [...created];
    const backoffs = [0, 1, 2].map((i) => {
      const [backoff] = when(history, exit(3, 10_000 * i));
      expect(when(history, started)).toMatchObject([{ type: 'ContainerStarted' }]);
      return backoff;
    });
    expect(backoffs.map((e) => e?.data)).toMatchObject([
      { restarts: 1, delayMs: 1000, until: 1000, exitCode: 3 },
      { restarts: 2, delayMs: 2000, until: 12_000 },
      { restarts: 3, delayMs: 4000, until: 24_000 },
    ]);
  });

  it('starts the delay over after 10 min up, but keeps counting restarts', () => {
    const history = [...created];
    when(history, exit(1, 0));
    when(history, started);
    when(history, exit(1, 0));
    when(history, started);
    expect(when(history, exit(1, 0, undefined, 600_000))).toMatchObject([
      { type: 'ContainerBackoff', data: { restarts: 3, delayMs: 1000 } },
    ]);
  });

  it('completes on exit 0 under `no` or `on-failure`; restarts on exit 0 otherwise', () => {
    for (const policy of ['no', 'on-failure'] as const)
      expect(when([...created], exit(0, 0, policy))).toEqual([
        { type: 'ContainerCompleted', data: { container: C, engine: 'e1', exitCode: 0 } },
      ]);
    expect(when([...created], exit(0, 0))).toMatchObject([{ type: 'ContainerBackoff' }]);
    expect(when([...created], exit(0, 0, 'always'))).toMatchObject([{ type: 'ContainerBackoff' }]);
  });

  it('fails on a non-zero exit under `no`; backs off under `on-failure`', () => {
    expect(when([...created], exit(2, 0, 'no'))).toMatchObject([
      { type: 'ContainerFailed', data: { reason: 'exited with code 2' } },
    ]);
    expect(when([...created], exit(2, 0, 'on-failure'))).toMatchObject([
      { type: 'ContainerBackoff' },
    ]);
  });

  it('ignores an exit Berth asked for, and a second one while backing off', () => {
    const stopping = [...created];
    when(stopping, { type: 'RequestAction', container: C, action: 'stop' });
    expect(when(stopping, exit(137, 0))).toEqual([]);
    const backingOff = [...created];
    when(backingOff, exit(3, 0));
    expect(when(backingOff, exit(3, 0))).toEqual([]);
  });

  it('lets a backing-off replica be stopped, after which a restart is no longer due', () => {
    const history = [...created];
    when(history, exit(3, 0));
    when(history, { type: 'RequestAction', container: C, action: 'stop' });
    when(history, { type: 'RecordStopped', container: C });
    expect(fold(containerDecider, history).status).toBe('stopped');
  });
});

describe('container decider: health', () => {
  const health = (h: 'healthy' | 'unhealthy'): ContainerCommand => ({
    type: 'RecordHealth',
    container: C,
    health: h,
    reason: '',
  });

  it('records each change of verdict once, while running; a start clears the verdict', () => {
    const history = [...created];
    expect(when(history, health('healthy'))).toMatchObject([
      { type: 'ContainerHealthChanged', data: { health: 'healthy' } },
    ]);
    expect(when(history, health('healthy'))).toEqual([]);
    expect(when(history, health('unhealthy'))).toHaveLength(1);
    when(history, exit(1, 0));
    expect(when(history, health('healthy'))).toEqual([]);
    when(history, started);
    expect(when(history, health('unhealthy'))).toHaveLength(1);
  });
});

describe('container decider: a container removed outside Berth', () => {
  const vanished: ContainerCommand = { type: 'RecordVanished', container: C };

  it('dies once, from running or backing off, so the scheduler replaces it', () => {
    const running = [...created];
    expect(when(running, vanished)).toMatchObject([
      { type: 'ContainerDied', data: { container: C, engine: 'e1', exitCode: null } },
    ]);
    expect(when(running, vanished)).toEqual([]);
    const backingOff = [...created];
    when(backingOff, exit(3, 0));
    expect(when(backingOff, vanished)).toMatchObject([{ type: 'ContainerDied' }]);
  });

  it('leaves a finished run, and one never created, as they are', () => {
    const completed = [...created];
    when(completed, exit(0, 0, 'no'));
    expect(when(completed, vanished)).toEqual([]);
    expect(when([], vanished)).toEqual([]);
  });
});
