import {
  isInsecureEngine,
  type ClusterInfo,
  type Engine,
  type EngineEvent,
} from '@berth/contracts';

/** An engine as the log has it: everything a client reads but the measured usage. */
export type EngineState = Omit<Engine, 'usedCpuPercent' | 'usedMemory'>;

/** Engines with health and reservations, as GET /api/engines shows them. */
export class EnginesProjection {
  private readonly byId = new Map<string, EngineState>();

  apply(event: EngineEvent): void {
    switch (event.type) {
      case 'EngineAdded': {
        const { tls, reason: _reason, ...engine } = event.data;
        const previous = this.byId.get(engine.id);
        const keepHealth =
          previous !== undefined &&
          previous.addr === engine.addr &&
          previous.health.status !== 'lost';
        this.byId.set(engine.id, {
          ...engine,
          health: keepHealth
            ? previous.health
            : { status: 'pending', responseTimeMs: null, checkedAt: null },
          reservedCpus: previous?.reservedCpus ?? 0,
          reservedMemory: previous?.reservedMemory ?? 0,
          tlsConfigured: tls !== undefined,
          insecure: isInsecureEngine(engine.addr, tls !== undefined),
          schedulable: keepHealth ? previous.schedulable : false,
        });
        return;
      }
      case 'EngineRemoved':
        this.byId.delete(event.data.id);
        return;
      case 'EngineLost':
        this.update(event.data.id, (e) => ({
          ...e,
          health: { ...e.health, status: 'lost' },
          schedulable: false,
        }));
        return;
      case 'EngineHealthChanged': {
        const { status, responseTimeMs, checkedAt } = event.data;
        this.update(event.data.id, (e) =>
          e.health.status === 'lost'
            ? e
            : {
                ...e,
                health: { status, responseTimeMs, checkedAt },
                schedulable: status === 'healthy',
              },
        );
        return;
      }
      case 'EngineJoinRefused':
        return; // never an engine
      default:
        return exhaustive(event);
    }
  }

  list(): EngineState[] {
    return [...this.byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): EngineState | undefined {
    return this.byId.get(id);
  }

  /** Loads what `list()` returned. */
  restore(engines: EngineState[]): void {
    for (const engine of engines) this.byId.set(engine.id, engine);
  }

  /** Totals over the engines in the pool (lost ones are out of it). */
  totals(): Pick<
    ClusterInfo,
    'cpus' | 'memory' | 'reservedCpus' | 'reservedMemory' | 'engineCount'
  > & { inPool: EngineState[] } {
    const inPool = this.list().filter((e) => e.health.status !== 'lost');
    const sum = (f: (e: EngineState) => number) => inPool.reduce((total, e) => total + f(e), 0);
    return {
      cpus: sum((e) => e.cpus),
      memory: sum((e) => e.memory),
      reservedCpus: sum((e) => e.reservedCpus),
      reservedMemory: sum((e) => e.reservedMemory),
      engineCount: inPool.length,
      inPool,
    };
  }

  /** Placements reserve and releases return CPU and memory (SPEC: by reservation). */
  reserve(id: string, cpus: number, memory: number): void {
    this.update(id, (e) => ({
      ...e,
      reservedCpus: round(e.reservedCpus + cpus),
      reservedMemory: e.reservedMemory + memory,
    }));
  }

  private update(id: string, change: (engine: EngineState) => EngineState) {
    const engine = this.byId.get(id);
    if (engine !== undefined) this.byId.set(id, change(engine));
  }
}

/** Thousandths of a CPU are the finest unit; this keeps 0.1 + 0.2 from showing as 0.30000000000000004. */
const round = (cpus: number) => Math.round(cpus * 1000) / 1000;

function exhaustive(value: never): never {
  throw new Error(`unhandled: ${JSON.stringify(value)}`);
}
