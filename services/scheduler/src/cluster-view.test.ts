import type { RecordedEvent } from '@berth/contracts';
import { describe, expect, it } from 'vitest';
import { ClusterView } from './cluster-view.js';

let position = 0;
const event = (type: string, data: Record<string, unknown>) =>
  ({ type, data, position: ++position }) as unknown as RecordedEvent;
const added = (id: string) => event('EngineAdded', { id, cpus: 4, memory: 4096, labels: [] });
const health = (id: string, status: string) =>
  event('EngineHealthChanged', { id, status, reason: '' });

describe('the cluster view', () => {
  it('serves the same pool to every command until an engine changes', () => {
    const view = new ClusterView();
    view.apply(added('a'));
    view.apply(health('a', 'healthy'));
    const first = view.pool();
    expect(first).toEqual([{ id: 'a', cpus: 4, memory: 4096, labels: [], schedulable: true }]);
    view.apply(health('a', 'healthy')); // a periodic sample: nothing changed
    view.apply(event('ContainerPlaced', { container: 'c1' }));
    expect(view.pool()).toBe(first);
    expect(Object.isFrozen(first[0])).toBe(true);

    view.apply(health('a', 'unhealthy'));
    expect(view.pool()).not.toBe(first);
    expect(view.pool()[0]?.schedulable).toBe(false);
    view.apply(added('b'));
    expect(view.pool().map((e) => e.id)).toEqual(['a', 'b']);
    view.apply(event('EngineLost', { id: 'b' }));
    expect(view.pool()[1]?.schedulable).toBe(false);
    view.apply(event('EngineRemoved', { id: 'a' }));
    expect(view.pool().map((e) => e.id)).toEqual(['b']);
  });
});
