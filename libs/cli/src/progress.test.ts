import { describe, expect, it } from 'vitest';
import { assess, type Container, type ContainerState, type Group } from './progress.js';

const G = '01JGROUP000000000000000000';
const replica = (id: string, state: ContainerState, reason?: string): Container => ({
  id,
  name: `berth-${id.toLowerCase()}`,
  group: G,
  image: 'busybox',
  engine: 'h1',
  state,
  ports: [],
  createdAt: '2025-01-01T00:00:00.000Z',
  cpus: 0.1,
  memory: 64,
  ...(reason === undefined ? {} : { reason }),
});
const group = (desired: number, members: string[], pending?: Group['pending']): Group => ({
  id: G,
  image: 'busybox',
  desired,
  replicas: { pending: 0, running: 0, stopped: 0, failed: 0 }, // assess counts for itself
  containers: members,
  ...(pending === undefined ? {} : { pending }),
  createdAt: '2025-01-01T00:00:00.000Z',
});
// ULIDs sort by time: OLD was there before the command, A… are the ones it placed.
const [OLD, A, B, C, D] = ['01JA', '01JB1', '01JB2', '01JB3', '01JB4'];

describe('assess (progress of run and scale)', () => {
  it('waits while the read model does not show the group, its new count or its replicas yet', () => {
    expect(assess(undefined, [], [A, B], 2)).toMatchObject({
      outcome: 'waiting',
      line: 'placed 0/2  running 0/2  failed 0',
    });
    // still the old desired count
    expect(assess(group(1, [OLD]), [replica(OLD, 'running')], [A], 2).outcome).toBe('waiting');
    // a placed replica not listed yet
    const stale = assess(group(2, [OLD, A]), [replica(OLD, 'running')], [A], 2);
    expect(stale.outcome).toBe('waiting');
  });

  it('counts placed, running and failed, and is done when every replica runs', () => {
    const members = [A, B, C];
    const starting = assess(
      group(3, members),
      [replica(A, 'running'), replica(B, 'pending'), replica(C, 'running')],
      members,
      3,
    );
    expect(starting).toMatchObject({
      outcome: 'waiting',
      line: 'placed 3/3  running 2/3  failed 0',
    });
    const done = assess(
      group(3, members),
      members.map((id) => replica(id, 'running')),
      members,
      3,
    );
    expect(done).toMatchObject({ outcome: 'done', running: 3, failed: 0 });
  });

  it('is done after a scale down once the removed replicas are gone from Docker', () => {
    const removing = [replica(A, 'running'), replica(B, 'running'), replica(C, 'running')];
    expect(assess(group(2, [A, B]), removing, [], 2, [C])).toMatchObject({
      outcome: 'waiting',
      line: 'placed 2/2  running 2/2  failed 0  removed 0/1',
    });
    const removed = [replica(A, 'running'), replica(B, 'running'), replica(C, 'destroyed')];
    expect(assess(group(2, [A, B]), removed, [], 2, [C]).outcome).toBe('done');
    expect(assess(group(2, [A, B]), removed.slice(0, 2), [], 2, [C]).outcome).toBe('done');
    expect(assess(group(0, []), removed, [], 0).outcome).toBe('done');
  });

  it('accepts a replica stopped on request before the command, but not one of its own', () => {
    expect(
      assess(group(2, [OLD, A]), [replica(OLD, 'stopped'), replica(A, 'running')], [A], 2).outcome,
    ).toBe('done');
    // its own replica died and is being replaced: still under way
    expect(
      assess(group(2, [OLD, A]), [replica(OLD, 'running'), replica(A, 'stopped')], [A], 2).outcome,
    ).toBe('waiting');
  });

  it('fails with the replicas’ reasons once nothing is under way and the group records a shortfall', () => {
    const why = 'No such image: berth/missing:1';
    const list = [replica(A, 'running'), replica(B, 'failed', why), replica(C, 'failed', why)];
    const failing = assess(group(3, [A]), list, [A, B, C], 3);
    expect(failing.outcome).toBe('waiting'); // the scheduler has not recorded it yet
    const failed = assess(
      group(3, [A], { missing: 2, reason: `a replica failed: ${why}` }),
      list,
      [A, B, C],
      3,
    );
    expect(failed).toEqual({
      outcome: 'failed',
      line: 'placed 1/3  running 1/3  failed 2',
      running: 1,
      failed: 2,
      reasons: [why],
    });
  });

  it('does not count failures from before the command, and waits while replicas are pending', () => {
    const list = [replica(OLD, 'failed', 'old'), replica(D, 'pending')];
    const retry = assess(group(1, [D]), list, [D], 1);
    expect(retry).toMatchObject({ outcome: 'waiting', failed: 0 });
    const noRoom = assess(group(2, [D], { missing: 1, reason: 'no room' }), list, [D], 2);
    expect(noRoom.outcome).toBe('waiting'); // D is still pending
    const stuck = assess(
      group(2, [D], { missing: 1, reason: 'no room' }),
      [replica(OLD, 'failed', 'old'), replica(D, 'running')],
      [D],
      2,
    );
    expect(stuck).toMatchObject({ outcome: 'failed', reasons: ['no room'] });
  });
});
