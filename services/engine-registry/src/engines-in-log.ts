import type { EngineEvent } from '@berth/contracts';
import type { EventLog } from '@berth/eventlog';
import { engineDecider, type EngineState } from './domain/engine.js';

/** Every engine's state, folded from the log; engine changes are rare, so a read is enough. */
export const enginesInLog = async (log: EventLog): Promise<Map<string, EngineState>> => {
  const states = new Map<string, EngineState>();
  const events = await log.readAll(1, { filter: { streamPrefix: 'engine-' } });
  for (const event of events as unknown as EngineEvent[]) {
    const id = event.data.id;
    states.set(id, engineDecider.evolve(states.get(id) ?? engineDecider.initialState, event));
  }
  return states;
};
