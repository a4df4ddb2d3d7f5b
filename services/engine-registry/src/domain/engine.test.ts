import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '@berth/contracts';
import { fold } from '@berth/decider';
import { engineDecider, type EngineCommand } from './engine.js';

const engine = {
  id: 'e1',
  addr: 'tcp://10.0.0.1:2375',
  cpus: 4,
  memory: 8192,
  labels: ['ssd'],
  dockerVersion: '20.10',
  source: 'agent' as const,
};
const added: EngineEvent = { type: 'EngineAdded', data: engine };
const given = (...history: EngineEvent[]) => ({
  when: (command: EngineCommand) => () =>
    engineDecider.decide(command, fold(engineDecider, history)),
});

describe('engine decider', () => {
  it('adds by hand once; a second add of the id is a conflict', () => {
    expect(
      given().when({ type: 'AddEngine', engine: { ...engine, source: 'manual' } })(),
    ).toHaveLength(1);
    expect(given(added).when({ type: 'AddEngine', engine })).toThrow(
      expect.objectContaining({ code: 'conflict', field: 'id' }),
    );
  });

  it('takes an agent registration again only when something changed', () => {
    expect(given(added).when({ type: 'RegisterEngine', engine })()).toEqual([]);
    expect(
      given(added).when({ type: 'RegisterEngine', engine: { ...engine, cpus: 8 } })(),
    ).toHaveLength(1);
    const lost: EngineEvent = { type: 'EngineLost', data: { id: 'e1', reason: 'lease expired' } };
    expect(given(added, lost).when({ type: 'RegisterEngine', engine })()).toEqual([added]);
  });

  it('loses only active agent engines, and removes what exists', () => {
    const lose: EngineCommand = { type: 'LoseEngine', id: 'e1', reason: 'lease expired' };
    expect(given(added).when(lose)()).toEqual([
      { type: 'EngineLost', data: { id: 'e1', reason: 'lease expired' } },
    ]);
    expect(
      given({ type: 'EngineAdded', data: { ...engine, source: 'manual' } }).when(lose)(),
    ).toEqual([]);
    const remove: EngineCommand = { type: 'RemoveEngine', id: 'e1', reason: 'by admin' };
    expect(given(added).when(remove)()).toEqual([
      { type: 'EngineRemoved', data: { id: 'e1', reason: 'by admin' } },
    ]);
    expect(given().when(remove)).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});
