import type { EngineEvent } from '@berth/contracts';
import type { EventLog } from '@berth/eventlog';
import { engineDecider, type EngineState } from './domain/engine.js';

/**
 * Every engine's state, folded from the log. Each call reads only what was appended since the
 * last: a thousand engines added one after another would otherwise read the whole log a
 * thousand times over.
 */
export class EnginesInLog {
  private readonly states = new Map<string, EngineState>();
  private position = 0;
  private reading: Promise<unknown> = Promise.resolve();

  constructor(private readonly log: EventLog) {}

  /** The states as of now; calls at once take turns, so no event is folded twice. */
  current(): Promise<ReadonlyMap<string, EngineState>> {
    const run = this.reading.then(async () => {
      const head = await this.log.head();
      const events = await this.log.readAll(this.position + 1, {
        filter: { streamPrefix: 'engine-' },
      });
      for (const event of events as unknown as EngineEvent[]) {
        const id = event.data.id;
        this.states.set(
          id,
          engineDecider.evolve(this.states.get(id) ?? engineDecider.initialState, event),
        );
      }
      // Every event up to the head read first is in; later ones may be too.
      this.position = Math.max(head, events.at(-1)?.position ?? 0);
      return this.states;
    });
    this.reading = run.catch(() => undefined);
    return run;
  }
}
