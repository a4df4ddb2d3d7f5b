import type { EngineEvent } from '@berth/contracts';
import { ConflictError, NotFoundError } from '@berth/errors';
import type { Decider } from '@berth/decider';

type Added = Extract<EngineEvent, { type: 'EngineAdded' }>['data'];

/** One engine id's stream: added by hand or by its agent, lost, removed, added again. */
export type EngineState =
  | { status: 'none' }
  | { status: 'active'; engine: Added }
  | { status: 'lost'; engine: Added }
  | { status: 'removed' };

/** Facts from the engine itself (version, cpus, memory) are gathered before deciding. */
export type EngineCommand =
  | { type: 'AddEngine'; engine: Added }
  | { type: 'RegisterEngine'; engine: Added }
  | { type: 'RemoveEngine'; id: string; reason: string }
  | { type: 'LoseEngine'; id: string; reason: string }
  | { type: 'RefuseJoin'; id: string; addr: string; reason: string };

export const engineDecider: Decider<EngineCommand, EngineEvent, EngineState> = {
  initialState: { status: 'none' },

  decide(command, state) {
    switch (command.type) {
      case 'AddEngine':
        if (state.status === 'active' || state.status === 'lost') {
          throw new ConflictError(`engine ${command.engine.id} exists`, { field: 'id' });
        }
        return [{ type: 'EngineAdded', data: command.engine }];
      case 'RegisterEngine': {
        // An agent repeats its registration (restarts, reconnects): only a change is news.
        const same =
          state.status === 'active' &&
          state.engine.addr === command.engine.addr &&
          state.engine.cpus === command.engine.cpus &&
          state.engine.memory === command.engine.memory &&
          state.engine.labels.join() === command.engine.labels.join();
        return same ? [] : [{ type: 'EngineAdded', data: command.engine }];
      }
      case 'RemoveEngine':
        if (state.status !== 'active' && state.status !== 'lost') {
          throw new NotFoundError(`no engine ${command.id}`, { field: 'id' });
        }
        return [{ type: 'EngineRemoved', data: { id: command.id, reason: command.reason } }];
      case 'LoseEngine':
        return state.status === 'active' && state.engine.source === 'agent'
          ? [{ type: 'EngineLost', data: { id: command.id, reason: command.reason } }]
          : [];
      case 'RefuseJoin':
        return [
          {
            type: 'EngineJoinRefused',
            data: { id: command.id, addr: command.addr, reason: command.reason },
          },
        ];
      default:
        return exhaustive(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'EngineAdded':
        return { status: 'active', engine: event.data };
      case 'EngineRemoved':
        return { status: 'removed' };
      case 'EngineLost':
        return state.status === 'active' ? { status: 'lost', engine: state.engine } : state;
      case 'EngineHealthChanged':
      case 'EngineJoinRefused':
        return state;
      default:
        return exhaustive(event);
    }
  },
};

function exhaustive(value: never): never {
  throw new Error(`unhandled: ${JSON.stringify(value)}`);
}
