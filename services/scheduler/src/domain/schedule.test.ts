import { describe, expect, it } from 'vitest';
import { ImageSpec, type ContainerEvent } from '@berth/contracts';
import { fold } from '@berth/decider';
import { scheduleDecider, type Pool, type QuotaLookup, type ScheduleCommand } from './schedule.js';

const pool: Pool = ['e1', 'e2', 'e3'].map((id) => ({
  id,
  cpus: 2,
  memory: 2048,
  labels: id === 'e3' ? ['ssd'] : [],
  schedulable: true,
}));
const spec = ImageSpec.parse({ image: 'web:1', cpus: 0.5, memory: 256 });
let next = 0;
const newId = () => `C${String(++next).padStart(3, '0')}`;
const quotaOf = () => ({ replicas: null, cpus: null, memory: null });

/** Decides on the state the history folds to, and folds the result in as the log would. */
const run = (history: ContainerEvent[], command: ScheduleCommand) => {
  const events = scheduleDecider.decide(command, fold(scheduleDecider, history));
  history.push(...events);
  return events;
};
const placedOn = (events: ContainerEvent[]) =>
  events.flatMap((e) => (e.type === 'ContainerPlaced' ? [e.data.engine] : []));
const countBy = (engines: string[]) =>
  engines.reduce<Record<string, number>>((m, e) => ({ ...m, [e]: (m[e] ?? 0) + 1 }), {});

describe('schedule decider', () => {
  it("refuses a user's spec that reaches the host, naming the field, and runs an admin's", () => {
    const escaping = { ...spec, volumes: ['data:/data', '/:/host'], networkMode: 'host' };
    const by = (byAdmin: boolean) => () =>
      run([], {
        type: 'Run',
        group: 'G9',
        spec: escaping,
        count: 1,
        pull: false,
        byAdmin,
        owner: 'ann',
        pool,
        newId,
        quotaOf,
      });
    expect(by(false)).toThrow(expect.objectContaining({ code: 'forbidden', field: 'volumes.1' }));
    expect(by(true)()[0]).toMatchObject({ type: 'GroupCreated' });
    const named = { ...spec, volumes: ['data:/data'] };
    expect(
      run([], {
        type: 'Run',
        group: 'G8',
        spec: named,
        count: 1,
        pull: false,
        byAdmin: false,
        owner: 'ann',
        pool,
        newId,
        quotaOf,
      })[0],
    ).toMatchObject({ type: 'GroupCreated' });
  });

  it('creates a group and spreads its replicas 4/4/4; refuses what does not fit, saying how many do', () => {
    const history: ContainerEvent[] = [];
    const events = run(history, {
      type: 'Run',
      group: 'G1',
      spec,
      count: 12,
      pull: false,
      byAdmin: false,
      owner: 'ann',
      pool,
      newId,
      quotaOf,
    });
    expect(events[0]).toMatchObject({ type: 'GroupCreated', data: { group: 'G1', desired: 12 } });
    expect(countBy(placedOn(events))).toEqual({ e1: 4, e2: 4, e3: 4 });
    expect(() =>
      run(history, {
        type: 'Run',
        group: 'G2',
        spec,
        count: 1,
        pull: false,
        byAdmin: false,
        owner: 'ann',
        pool,
        newId,
        quotaOf,
      }),
    ).toThrow(/only 0 of 1 replicas fit: not enough free CPU or memory/);
    const ssd = { ...spec, labels: ['gpu'] };
    expect(() =>
      run([], {
        type: 'Run',
        group: 'G3',
        spec: ssd,
        count: 1,
        pull: false,
        byAdmin: false,
        owner: 'ann',
        pool,
        newId,
        quotaOf,
      }),
    ).toThrow(/no healthy engine has the labels gpu/);
  });

  it('records a service name; a live group keeps it, one scaled to nothing gives it up', () => {
    const history: ContainerEvent[] = [];
    const web = {
      spec,
      count: 1,
      pull: false,
      byAdmin: false,
      owner: 'ann',
      pool,
      newId,
      quotaOf,
      name: 'web',
    } as const;
    expect(run(history, { type: 'Run', group: 'G1', ...web })[0]).toMatchObject({
      type: 'GroupCreated',
      data: { group: 'G1', name: 'web' },
    });
    expect(() => run(history, { type: 'Run', group: 'G2', ...web })).toThrow(
      expect.objectContaining({ code: 'conflict', field: 'name' }),
    );
    run(history, { type: 'Scale', group: 'G1', count: 0, pool, newId, quotaOf });
    expect(run(history, { type: 'Run', group: 'G3', ...web })[0]).toMatchObject({
      data: { group: 'G3', name: 'web' },
    });
  });

  it('scales down from the most loaded engine first, and up onto the freest', () => {
    const history: ContainerEvent[] = [];
    run(history, {
      type: 'Run',
      group: 'G1',
      spec,
      count: 3,
      pull: false,
      byAdmin: false,
      owner: 'ann',
      pool,
      newId,
      quotaOf,
    });
    const single = { ...spec, cpus: 1 };
    run(history, {
      type: 'Run',
      group: 'G2',
      spec: single,
      count: 1,
      pull: false,
      byAdmin: false,
      owner: 'ann',
      pool,
      newId,
      quotaOf,
    }); // e1: 1.5 CPU
    const down = run(history, { type: 'Scale', group: 'G1', count: 2, pool, newId, quotaOf });
    expect(down).toMatchObject([
      { type: 'GroupScaled', data: { desired: 2, previous: 3 } },
      { type: 'ContainerReleased', data: { engine: 'e1', reason: 'scaled down', remove: true } },
    ]);
    const up = run(history, { type: 'Scale', group: 'G1', count: 4, pool, newId, quotaOf });
    expect(countBy(placedOn(up))).toEqual({ e2: 1, e3: 1 });
    const none = run(history, { type: 'Scale', group: 'G1', count: 0, pool, newId, quotaOf });
    const gone = none.filter((e) => e.type === 'ContainerReleased');
    expect(gone).toHaveLength(4);
    expect(new Set(gone.map((e) => (e.data as { container: string }).container)).size).toBe(4);
  });

  it('scales by a container of the group, and destroys one replica for good', () => {
    const history: ContainerEvent[] = [];
    const [, first] = run(history, {
      type: 'Run',
      group: 'G1',
      spec,
      count: 2,
      pull: false,
      byAdmin: false,
      owner: 'ann',
      pool,
      newId,
      quotaOf,
    });
    const container = first?.type === 'ContainerPlaced' ? first.data.container : '';
    expect(run(history, { type: 'Scale', container, count: 3, pool, newId, quotaOf })).toHaveLength(
      2,
    );
    expect(run(history, { type: 'Destroy', container })).toMatchObject([
      { type: 'ContainerReleased', data: { container, remove: true } },
      { type: 'GroupScaled', data: { desired: 2, previous: 3 } },
    ]);
    expect(() => run(history, { type: 'Destroy', container })).toThrow(/no running replica/);
  });

  it('replaces replicas of a lost engine elsewhere, and keeps the shortfall pending when full', () => {
    const history: ContainerEvent[] = [];
    const placed = run(history, {
      type: 'Run',
      group: 'G1',
      spec,
      count: 6,
      pull: false,
      byAdmin: false,
      owner: 'ann',
      pool,
      newId,
      quotaOf,
    });
    const onE1 = placed.flatMap((e) =>
      e.type === 'ContainerPlaced' && e.data.engine === 'e1'
        ? [{ id: e.data.container, reason: 'engine e1 was lost' }]
        : [],
    );
    const without = pool.filter((e) => e.id !== 'e1');
    const moved = run(history, { type: 'Replace', containers: onE1, pool: without, newId });
    expect(moved.filter((e) => e.type === 'ContainerReleased')).toHaveLength(2);
    expect(countBy(placedOn(moved))).toEqual({ e2: 1, e3: 1 });

    // A pool with room for nothing more: the group waits, and is placed once room appears.
    const tiny = without.map((e) => ({ ...e, cpus: 1.5 }));
    const victims = history.flatMap((e) =>
      e.type === 'ContainerPlaced' && e.data.engine === 'e2'
        ? [{ id: e.data.container, reason: 'died' }]
        : [],
    );
    const stuck = run(history, {
      type: 'Replace',
      containers: victims.slice(0, 1),
      pool: [tiny[1]!],
      newId,
    });
    expect(stuck.at(-1)).toMatchObject({ type: 'GroupPending', data: { missing: 1, retry: true } });
    expect([...fold(scheduleDecider, history).retrying]).toEqual(['G1']);
    const retried = run(history, { type: 'Retry', pool: without, newId });
    expect(placedOn(retried)).toEqual(['e2']);
    expect(retried.at(-1)).toMatchObject({ type: 'GroupPending', data: { missing: 0 } });
    expect(fold(scheduleDecider, history).retrying.size).toBe(0);
  });

  it('releases a failed replica without retrying it; scaling to the same count places it again', () => {
    const history: ContainerEvent[] = [];
    const [, first] = run(history, {
      type: 'Run',
      group: 'G1',
      spec,
      count: 1,
      pull: false,
      byAdmin: false,
      owner: 'ann',
      pool,
      newId,
      quotaOf,
    });
    const container = first?.type === 'ContainerPlaced' ? first.data.container : '';
    expect(run(history, { type: 'Fail', container, reason: 'No such image' })).toMatchObject([
      { type: 'ContainerReleased', data: { remove: false } },
      { type: 'GroupPending', data: { missing: 1, retry: false } },
    ]);
    expect(run(history, { type: 'Retry', pool, newId })).toEqual([]);
    expect(
      placedOn(run(history, { type: 'Scale', group: 'G1', count: 1, pool, newId, quotaOf })),
    ).toHaveLength(1);
    const state = fold(scheduleDecider, history);
    expect(state.reserved.get('e1')?.cpus ?? 0).toBeGreaterThanOrEqual(0);
    expect(state.groups.get('G1')?.pending).toBeUndefined();
  });

  it('takes failed replicas off Docker when a scale or a destroy takes them away', () => {
    const history: ContainerEvent[] = [];
    const placed = run(history, {
      type: 'Run',
      group: 'G1',
      spec,
      count: 2,
      pull: false,
      byAdmin: false,
      owner: 'ann',
      pool,
      newId,
      quotaOf,
    }).flatMap((e) => (e.type === 'ContainerPlaced' ? [e.data.container] : []));
    const [first = '', second = ''] = placed;
    run(history, { type: 'Fail', container: first, reason: 'exited with code 3' });
    expect(
      run(history, { type: 'Scale', container: first, count: 1, pool, newId, quotaOf }),
    ).toMatchObject([
      { type: 'GroupScaled', data: { desired: 1 } },
      { type: 'ContainerReleased', data: { container: first, remove: true, cpus: 0, memory: 0 } },
      { type: 'GroupPending', data: { missing: 0 } },
    ]);
    const reserved = [...fold(scheduleDecider, history).reserved.values()];
    expect(reserved.reduce((sum, r) => sum + r.cpus, 0)).toBeCloseTo(0.5); // the live one's

    run(history, { type: 'Fail', container: second, reason: 'exited with code 3' });
    expect(run(history, { type: 'Destroy', container: second })).toMatchObject([
      { type: 'ContainerReleased', data: { container: second, remove: true, cpus: 0 } },
      { type: 'GroupScaled', data: { desired: 0, previous: 1 } },
      { type: 'GroupPending', data: { missing: 0 } },
    ]);
    expect(() => run(history, { type: 'Destroy', container: second })).toThrow(/no running/);
  });

  it('holds each owner to its quota: runs and scale-ups past it are refused, scale-down and destroy free it', () => {
    const history: ContainerEvent[] = [];
    const three = () => ({ replicas: 3, cpus: null, memory: null });
    const runBy = (owner: string, group: string, count: number, quotaOf: QuotaLookup = three) =>
      run(history, {
        type: 'Run',
        group,
        spec,
        count,
        pull: false,
        byAdmin: owner === 'cy',
        owner,
        pool,
        newId,
        quotaOf,
      });
    expect(() => runBy('ann', 'G1', 4)).toThrow(
      expect.objectContaining({ code: 'quota_exceeded', field: 'count' }),
    );
    runBy('ann', 'G1', 2);
    runBy('bob', 'G2', 3); // another account's usage is its own
    expect(() => runBy('ann', 'G3', 2)).toThrow(/at most 3 replicas, 2 reserved/);
    const scale = (count: number) =>
      run(history, { type: 'Scale', group: 'G1', count, pool, newId, quotaOf: three });
    scale(3);
    expect(() => scale(4)).toThrow(expect.objectContaining({ code: 'quota_exceeded' }));
    scale(1);
    const [container = ''] = fold(scheduleDecider, history).groups.get('G1')?.members ?? [];
    run(history, { type: 'Destroy', container });
    expect(fold(scheduleDecider, history).usage.get('ann')).toEqual({
      replicas: 0,
      cpus: 0,
      memory: 0,
    });
    expect(runBy('ann', 'G4', 3)).toHaveLength(4);
    // An admin is held to a quota an admin set, here on memory.
    const memoryQuota = () => ({ replicas: null, cpus: null, memory: 1000 });
    expect(() => runBy('cy', 'G5', 4, memoryQuota)).toThrow(
      expect.objectContaining({ field: 'memory' }),
    );
  });
});
