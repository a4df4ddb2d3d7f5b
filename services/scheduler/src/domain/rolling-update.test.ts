import { describe, expect, it } from 'vitest';
import { ImageSpec, SpecChange, UpdateStrategy, type ContainerEvent } from '@berth/contracts';
import { fold } from '@berth/decider';
import { planRollingStep } from './rolling-update.js';
import {
  pullingWithSameSpec,
  scheduleDecider,
  type Pool,
  type ScheduleCommand,
} from './schedule.js';

const members = (revision: number, ...ids: string[]) =>
  ids.map((container) => ({ container, revision }));

describe('rolling step', () => {
  const startFirst = { parallelism: 1, order: 'start-first' } as const;

  it('start-first: one new replica at a time, an old one goes only when a new one is ready', () => {
    const old = members(1, 'a', 'b', 'c', 'd');
    expect(
      planRollingStep({
        desired: 4,
        revision: 2,
        strategy: startFirst,
        members: old,
        ready: new Set(),
      }),
    ).toMatchObject({ release: [], place: 1 });
    const withNew = [...old, ...members(2, 'n1')];
    expect(
      planRollingStep({
        desired: 4,
        revision: 2,
        strategy: startFirst,
        members: withNew,
        ready: new Set(),
      }),
    ).toMatchObject({ release: [], place: 0, inflight: 1 });
    expect(
      planRollingStep({
        desired: 4,
        revision: 2,
        strategy: startFirst,
        members: withNew,
        ready: new Set(['n1']),
      }),
    ).toMatchObject({ release: ['a'], place: 1 });
    expect(
      planRollingStep({
        desired: 4,
        revision: 2,
        strategy: startFirst,
        members: members(2, 'n1', 'n2', 'n3', 'n4'),
        ready: new Set(['n1', 'n2', 'n3', 'n4']),
      }),
    ).toEqual({ done: true });
  });

  it('start-first with parallelism 2 starts two, and never goes over desired + 2', () => {
    const step = planRollingStep({
      desired: 4,
      revision: 2,
      strategy: { parallelism: 2, order: 'start-first' },
      members: [...members(1, 'a', 'b', 'c'), ...members(2, 'n1')],
      ready: new Set(['n1']),
    });
    // 1 new ready + 3 old = 4: nothing to release yet; room for 2 more beside the 4.
    expect(step).toMatchObject({ release: [], place: 2 });
  });

  it('stop-first: takes parallelism old ones away and places their successors', () => {
    expect(
      planRollingStep({
        desired: 3,
        revision: 2,
        strategy: { parallelism: 2, order: 'stop-first' },
        members: members(1, 'a', 'b', 'c'),
        ready: new Set(),
      }),
    ).toMatchObject({ release: ['a', 'b'], place: 2 });
  });
});

const pool: Pool = ['e1', 'e2'].map((id) => ({
  id,
  cpus: 2,
  memory: 2048,
  labels: [],
  schedulable: true,
}));
const v1 = ImageSpec.parse({ image: 'web:1', cpus: 0.5, memory: 256, ports: [{ container: 80 }] });
const strategy = UpdateStrategy.parse({});
const quotaOf = () => ({ replicas: null, cpus: null, memory: null });
let next = 0;
const newId = () => `C${String(++next).padStart(3, '0')}`;
const decide = (history: ContainerEvent[], command: ScheduleCommand) => {
  const events = scheduleDecider.decide(command, fold(scheduleDecider, history));
  history.push(...events);
  return events;
};
const step = (history: ContainerEvent[], ready: string[], failing?: string) =>
  decide(history, {
    type: 'Step',
    group: 'G1',
    ready: new Set(ready),
    down: new Set(),
    failing,
    pool,
    newId,
  });
const placed = (events: ContainerEvent[]) =>
  events.flatMap((e) => (e.type === 'ContainerPlaced' ? [e.data] : []));

describe('rolling update decisions', () => {
  const started = (pull = false) => {
    const history: ContainerEvent[] = [];
    decide(history, {
      type: 'Run',
      group: 'G1',
      spec: v1,
      count: 2,
      pull,
      byAdmin: false,
      quotaOf,
      owner: 'ann',
      pool,
      newId,
    });
    return history;
  };

  it('rolls 2 replicas to revision 2 and completes; an unchanged spec starts nothing', () => {
    const history = started();
    expect(
      decide(history, { type: 'Update', group: 'G1', spec: {}, strategy, byAdmin: false, quotaOf }),
    ).toEqual([]);
    const [update] = decide(history, {
      type: 'Update',
      group: 'G1',
      // As the api parses it: only the fields given, no defaults to reset the rest.
      spec: SpecChange.parse({ image: 'web:2' }),
      strategy,
      byAdmin: false,
      quotaOf,
    });
    expect(update).toMatchObject({
      type: 'GroupUpdateStarted',
      data: {
        revision: 2,
        spec: { image: 'web:2', cpus: 0.5, memory: 256, ports: [{ container: 80 }] },
        previous: 1,
        rollback: false,
      },
    });
    expect([...fold(scheduleDecider, history).rolling]).toEqual(['G1']);
    const first = placed(step(history, []));
    expect(first).toEqual([expect.objectContaining({ revision: 2 })]);
    const second = step(
      history,
      first.map((p) => p.container),
    );
    expect(second.map((e) => e.type)).toEqual(['ContainerReleased', 'ContainerPlaced']);
    const fresh = [...first, ...placed(second)].map((p) => p.container);
    expect(step(history, fresh).map((e) => e.type)).toEqual(['ContainerReleased']);
    expect(step(history, fresh)).toEqual([
      { type: 'GroupUpdateCompleted', data: { group: 'G1', revision: 2 } },
    ]);
    expect(fold(scheduleDecider, history).rolling.size).toBe(0);
    expect(step(history, fresh)).toEqual([]);
  });

  it('a pulling group with the same spec rolls only when the image digest moved', () => {
    const history = started(true);
    const state = () => fold(scheduleDecider, history);
    expect(pullingWithSameSpec(state(), 'G1', {})?.spec.image).toBe('web:1');
    expect(pullingWithSameSpec(state(), 'G1', SpecChange.parse({ image: 'web:1' }))).toBeDefined();
    expect(
      pullingWithSameSpec(state(), 'G1', SpecChange.parse({ image: 'web:2' })),
    ).toBeUndefined();
    expect(pullingWithSameSpec(fold(scheduleDecider, started(false)), 'G1', {})).toBeUndefined();
    const update = (imageChanged: boolean) =>
      decide(history, {
        type: 'Update',
        group: 'G1',
        spec: {},
        imageChanged,
        strategy,
        byAdmin: false,
        quotaOf,
      });
    expect(update(false)).toEqual([]);
    expect(update(true)).toMatchObject([
      {
        type: 'GroupUpdateStarted',
        data: { revision: 2, spec: { image: 'web:1' }, reason: 'a new image digest' },
      },
    ]);
  });

  it('rolls back by itself when a new replica fails, and a rollback by hand goes further back', () => {
    const history = started();
    decide(history, {
      type: 'Update',
      group: 'G1',
      spec: { image: 'web:2' },
      strategy,
      byAdmin: false,
      quotaOf,
    });
    step(history, []);
    const [back] = step(history, [], 'replica C9 unhealthy');
    expect(back).toMatchObject({
      type: 'GroupUpdateStarted',
      data: { revision: 3, spec: { image: 'web:1' }, rollback: true },
    });
    expect(() => decide(history, { type: 'Rollback', group: 'G1', reason: 'by hand' })).toThrow(
      expect.objectContaining({ code: 'conflict', field: 'group' }),
    );
  });

  it("refuses a user's update that reaches the host, naming the field", () => {
    const history = started();
    expect(() =>
      decide(history, {
        type: 'Update',
        group: 'G1',
        spec: { networkMode: 'host' },
        strategy,
        byAdmin: false,
        quotaOf,
      }),
    ).toThrow(expect.objectContaining({ code: 'forbidden', field: 'spec.networkMode' }));
  });

  it('refuses a change that makes the spec invalid, naming the field', () => {
    expect(() =>
      decide(started(), {
        type: 'Update',
        group: 'G1',
        spec: { cpus: 0.001 },
        strategy,
        byAdmin: false,
        quotaOf,
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid', field: 'spec.cpus' }));
    expect(SpecChange.safeParse({ ports: 'x' }).success).toBe(false);
    expect(SpecChange.parse({ env: { A: '1' } })).toEqual({ env: { A: '1' } });
  });
});
