import { randomBytes } from 'node:crypto';

export type HollowContainer = {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  running: boolean;
  exitCode: number;
  created: string;
  startedAt: string;
  finishedAt: string;
};

export type DockerEvent = {
  Type: 'container';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
};

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Docker's answer to a call it refuses: the HTTP status and `{ message }`. */
export class DockerApiError extends Error {
  override readonly name = 'DockerApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** One engine's containers and images in memory, with the events a daemon would report. */
export class HollowEngine {
  readonly containers = new Map<string, HollowContainer>();
  private readonly byName = new Map<string, string>();
  private readonly listeners = new Set<(event: DockerEvent) => void>();
  private lastNano = 0n;

  constructor(
    readonly cpus: number,
    readonly memoryMb: number,
    readonly images: Set<string>,
  ) {}

  onEvent(listener: (event: DockerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** By id, name, or unique id prefix, as Docker looks containers up. */
  find(ref: string): HollowContainer {
    const key = ref.replace(/^\//, '');
    const byId = this.containers.get(key) ?? this.containers.get(this.byName.get(key) ?? '');
    if (byId !== undefined) return byId;
    const matches = [...this.containers.values()].filter((c) => c.id.startsWith(key));
    if (matches.length === 1 && key.length >= 4) return matches[0] as HollowContainer;
    throw new DockerApiError(404, `No such container: ${ref}`);
  }

  create(name: string, image: string, labels: Record<string, string>): HollowContainer {
    if (!this.images.has(image)) throw new DockerApiError(404, `No such image: ${image}`);
    const id = randomBytes(32).toString('hex');
    const finalName = name === '' ? `hollow_${id.slice(0, 12)}` : name;
    if (this.byName.has(finalName))
      throw new DockerApiError(
        409,
        `Conflict. The container name "/${finalName}" is already in use`,
      );
    const container: HollowContainer = {
      id,
      name: finalName,
      image,
      labels,
      running: false,
      exitCode: 0,
      created: new Date().toISOString(),
      startedAt: ZERO_TIME,
      finishedAt: ZERO_TIME,
    };
    this.containers.set(id, container);
    this.byName.set(finalName, id);
    this.emit(container, 'create');
    return container;
  }

  /** false when it already runs (Docker answers 304). */
  start(ref: string): boolean {
    const container = this.find(ref);
    if (container.running) return false;
    container.running = true;
    container.startedAt = new Date().toISOString();
    this.emit(container, 'start');
    return true;
  }

  /** false when it was not running (304). */
  stop(ref: string, exitCode = 143, action = 'stop'): boolean {
    const container = this.find(ref);
    if (!container.running) return false;
    container.running = false;
    container.exitCode = exitCode;
    container.finishedAt = new Date().toISOString();
    if (action === 'kill') this.emit(container, 'kill');
    this.emit(container, 'die', { exitCode: String(exitCode) });
    if (action === 'stop') this.emit(container, 'stop');
    return true;
  }

  remove(ref: string, force: boolean): void {
    const container = this.find(ref);
    if (container.running && !force)
      throw new DockerApiError(409, `You cannot remove a running container ${container.id}`);
    if (container.running) this.stop(ref, 137, 'kill');
    this.containers.delete(container.id);
    this.byName.delete(container.name);
    this.emit(container, 'destroy');
  }

  private emit(container: HollowContainer, action: string, extra: Record<string, string> = {}) {
    // Nanosecond times strictly increase, so a client resuming `since` sees each event once.
    const now = BigInt(Date.now()) * 1_000_000n;
    this.lastNano = now > this.lastNano ? now : this.lastNano + 1n;
    const event: DockerEvent = {
      Type: 'container',
      Action: action,
      Actor: {
        ID: container.id,
        Attributes: { ...container.labels, image: container.image, name: container.name, ...extra },
      },
      time: Number(this.lastNano / 1_000_000_000n),
      timeNano: Number(this.lastNano),
    };
    for (const listener of this.listeners) listener(event);
  }
}
