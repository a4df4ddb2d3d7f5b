import { describe, expect, it } from 'vitest';
import { ImageSpec, type RecordedEvent } from '@berth/contracts';
import { RouteView } from './route-view.js';

let position = 0;
const recorded = (type: string, data: unknown, version = 1): RecordedEvent =>
  ({ type, data, version, position: ++position }) as unknown as RecordedEvent;
const spec = ImageSpec.parse({ image: 'web:1', ports: [{ container: 80 }] });
const placed = (container: string, group = 'G1') =>
  recorded('ContainerPlaced', { container, group, engine: 'e1' });
const created = (container: string, host: number) =>
  recorded('ContainerCreated', {
    container,
    ports: [{ container: 80, host, protocol: 'tcp', hostIp: '10.0.0.5' }],
  });
const started = (container: string) => recorded('ContainerStarted', { container });

const viewOf = (...events: RecordedEvent[]) => {
  const view = new RouteView();
  for (const e of events) view.apply(e);
  return view;
};

describe('route view', () => {
  it('routes running replicas of named groups at the engine host and their published port', () => {
    const view = viewOf(
      recorded('GroupCreated', { group: 'G1', name: 'web', spec }),
      recorded('GroupCreated', { group: 'G2', spec }),
      placed('A'),
      placed('B'),
      placed('C', 'G2'),
      created('A', 32001),
      created('B', 32002),
      created('C', 32003),
      started('A'),
      started('C'),
    );
    expect(view.routes()).toEqual([
      { service: 'web', group: 'G1', container: 'A', endpoint: '10.0.0.5:32001' },
    ]);
  });

  it('takes a replica out once it is released or asked to stop, and when it stops', () => {
    const base = [
      recorded('GroupCreated', { group: 'G1', name: 'web', spec }),
      placed('A'),
      created('A', 32001),
      started('A'),
    ];
    expect(viewOf(...base).routes()).toHaveLength(1);
    expect(viewOf(...base, recorded('ContainerReleased', { container: 'A' })).routes()).toEqual([]);
    const stopping = recorded('ContainerActionRequested', { container: 'A', action: 'stop' });
    expect(viewOf(...base, stopping).routes()).toEqual([]);
    expect(viewOf(...base, stopping, started('A')).routes()).toHaveLength(1);
    expect(viewOf(...base, recorded('ContainerDied', { container: 'A' })).routes()).toEqual([]);
  });

  it('takes a replica out while it backs off or once it completed, and back when restarted', () => {
    const base = [
      recorded('GroupCreated', { group: 'G1', name: 'web', spec }),
      placed('A'),
      created('A', 32001),
      started('A'),
    ];
    const backoff = recorded('ContainerBackoff', { container: 'A' });
    expect(viewOf(...base, backoff).routes()).toEqual([]);
    expect(viewOf(...base, backoff, started('A')).routes()).toHaveLength(1);
    expect(viewOf(...base, recorded('ContainerCompleted', { container: 'A' })).routes()).toEqual(
      [],
    );
  });

  it('routes a health-checked replica only while healthy, and again after a restart passes', () => {
    const checked = ImageSpec.parse({ ...spec, healthcheck: { cmd: ['true'] } });
    const health = (value: string) =>
      recorded('ContainerHealthChanged', { container: 'A', health: value });
    const base = [
      recorded('GroupCreated', { group: 'G1', name: 'web', spec: checked }),
      placed('A'),
      created('A', 32001),
      started('A'),
    ];
    expect(viewOf(...base).routes()).toEqual([]); // starting
    expect(viewOf(...base, health('healthy')).routes()).toHaveLength(1);
    expect(viewOf(...base, health('healthy'), health('unhealthy')).routes()).toEqual([]);
    expect(viewOf(...base, health('healthy'), started('A')).routes()).toEqual([]);
  });

  it('remembers the last recorded route state and its stream version', () => {
    const route = { service: 'web', group: 'G1', container: 'A', endpoint: 'x:1' };
    const view = viewOf(
      recorded('RouteChanged', { ...route, state: 'routed' }, 1),
      recorded('RouteChanged', { ...route, state: 'drained' }, 2),
    );
    expect(view.recorded.get('A')).toEqual({ route, state: 'drained', version: 2 });
  });
});
