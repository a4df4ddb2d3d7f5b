import type { EngineEvent, RecordedEvent } from '@berth/contracts';

export type WatchedEngine = {
  id: string;
  addr: string;
  /** Sealed TLS material, opened only to probe. */
  tls: string | undefined;
  status: 'pending' | 'healthy' | 'unhealthy';
  /** Version of the engine's `health-<id>` stream, for the expected-version append. */
  healthVersion: number;
  lastRecordedAt: number;
};

/** The engines to probe, kept from the log: added ones, minus removed or lost ones. */
export class WatchedEngines {
  private readonly engines = new Map<string, WatchedEngine>();
  private readonly healthVersions = new Map<string, number>();

  apply(recorded: RecordedEvent): void {
    const event = recorded as unknown as EngineEvent;
    switch (event.type) {
      case 'EngineAdded': {
        const { id, addr, tls } = event.data;
        const previous = this.engines.get(id);
        this.engines.set(id, {
          id,
          addr,
          tls,
          status: previous?.addr === addr ? previous.status : 'pending',
          healthVersion: this.healthVersions.get(id) ?? 0,
          lastRecordedAt: previous?.lastRecordedAt ?? 0,
        });
        return;
      }
      case 'EngineRemoved':
      case 'EngineLost':
        this.engines.delete(event.data.id);
        return;
      case 'EngineHealthChanged': {
        this.healthVersions.set(event.data.id, recorded.version);
        const engine = this.engines.get(event.data.id);
        if (engine !== undefined) {
          engine.status = event.data.status;
          engine.healthVersion = recorded.version;
          engine.lastRecordedAt = Date.parse(event.data.checkedAt);
        }
        return;
      }
      case 'EngineJoinRefused':
        return; // never an engine
      default:
        return exhaustive(event);
    }
  }

  get(id: string): WatchedEngine | undefined {
    return this.engines.get(id);
  }

  all(): WatchedEngine[] {
    return [...this.engines.values()];
  }
}

export const WATCHED_TYPES = ['EngineAdded', 'EngineRemoved', 'EngineLost', 'EngineHealthChanged'];

function exhaustive(value: never): never {
  throw new Error(`unhandled: ${JSON.stringify(value)}`);
}
