import { describe, expect, it } from 'vitest';
import type { ContainerEvent, RecordedEvent } from '@berth/contracts';
import { ExecutorView } from './executor-view.js';

let position = 0;
const recorded = (event: ContainerEvent): RecordedEvent => ({
  ...event,
  position: ++position,
  id: `E${position}`,
  stream: 'test',
  version: position,
  v: 1,
  at: new Date(0).toISOString(),
  metadata: { actor: 'test', commandId: 'c', correlationId: 'c', causationId: 'c' },
  hash: '0'.repeat(64),
});
const replica = { container: 'C1', group: 'G1', engine: 'e1', cpus: 0.1, memory: 16 };
const viewAfter = (...events: ContainerEvent[]) => {
  const view = new ExecutorView();
  for (const event of events) view.apply(recorded(event));
  return view;
};
const placed: ContainerEvent = {
  type: 'ContainerPlaced',
  data: { ...replica, name: 'berth-c1', reason: 'run' },
};
const created: ContainerEvent = {
  type: 'ContainerCreated',
  data: { container: 'C1', engine: 'e1', dockerId: 'd1', ports: [] },
};
const backoff: ContainerEvent = {
  type: 'ContainerBackoff',
  data: {
    container: 'C1',
    engine: 'e1',
    exitCode: 3,
    reason: 'exited with code 3',
    restarts: 1,
    delayMs: 1000,
    until: 5000,
  },
};
const released = (remove: boolean): ContainerEvent => ({
  type: 'ContainerReleased',
  data: { ...replica, reason: remove ? 'scaled down' : 'failed: exited', remove },
});

describe('executor view', () => {
  it('lists a replica as backing off, with its due time, until it is started or released', () => {
    expect(viewAfter(placed, created, backoff).backingOff('e1')).toMatchObject([
      { id: 'C1', backoff: { until: 5000 } },
    ]);
    expect(viewAfter(placed, created, backoff).backingOff('e2')).toEqual([]);
    const started: ContainerEvent = {
      type: 'ContainerStarted',
      data: { container: 'C1', engine: 'e1' },
    };
    expect(viewAfter(placed, created, backoff, started).backingOff('e1')).toEqual([]);
    expect(viewAfter(placed, created, backoff, released(true)).backingOff('e1')).toEqual([]);
  });

  it('keeps a failed replica, not to be removed, until a release asks for its removal', () => {
    const failed = viewAfter(placed, created, released(false));
    expect(failed.replicas.has('C1')).toBe(true);
    expect(failed.unfinished('e1')).toEqual([]);
    const discarded = viewAfter(placed, created, released(false), released(true));
    expect(discarded.unfinished('e1').map((r) => r.id)).toEqual(['C1']);
  });
});
