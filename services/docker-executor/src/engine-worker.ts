import type Docker from 'dockerode';
import type { SecretKey } from '@berth/auth';
import { LABEL_CONTAINER } from '@berth/contracts';
import { BerthError } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import type { Logger } from '@berth/log';
import {
  createOptions,
  againOnNoAnswer,
  createOrFind,
  dockerReason,
  engineHostOf,
  publishedPorts,
  removeContainer,
  startContainer,
} from './docker-ops.js';
import { DockerEventsRecorder, type ContainerDockerEvent } from './docker-events-recorder.js';
import type { ExecutorView, Replica } from './executor-view.js';
import type { RouteDrains } from './route-drains.js';
import { recordHealth } from './health.js';
import { causedBy, recordOnContainer } from './record.js';
import { Restarts } from './restarts.js';
import { pullForEngine } from './pull.js';
import { openSecretEnv } from './secret-env.js';

export type ExecutorSettings = {
  /** Creates running at once on one engine. */
  concurrency: number;
  /** One Docker call (create, start, inspect, remove) may take this long. */
  dockerTimeoutMs: number;
  /** A pull fails when the daemon reports no progress for this long … */
  pullIdleMs: number;
  /** … or when it takes longer than this in all. */
  pullTimeoutMs: number;
  /** A routed replica is removed once the router drained it, or after this long without. */
  routeDrainWaitMs: number;
  /** Docker events recorded one by one per container and minute; the rest are summed up. */
  containerEventsPerMinute: number;
  /** How often each owned engine's usage is sampled with Docker stats; 0: never. */
  usageIntervalMs: number;
  /** Stats calls one executor makes a second at most, shared by its engines. */
  usageStatsPerSecond: number;
};

export type WorkerContext = {
  log: EventLog;
  logger: Logger;
  view: ExecutorView;
  drains: RouteDrains;
  settings: ExecutorSettings;
  /** A Docker client for an engine; `timeoutMs` 0 for long streams. */
  docker: (engine: string, timeoutMs: number) => Docker;
  /** Opens a spec's secret variables as a replica is created. */
  secretKey: SecretKey;
};

/** The longest wait between tries of a remove that failed. */
const REMOVE_RETRY_MAX_MS = 30_000;

/**
 * The work on one engine while this instance owns it: creates placed replicas, removes
 * released ones, and acts on what Docker reports of them, which its `DockerEventsRecorder`
 * records on `docker-<engine>`.
 */
export class EngineWorker {
  private stopped = false;
  private readonly chains = new Map<string, Promise<void>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  readonly restarts: Restarts;
  private readonly dockerEvents: DockerEventsRecorder;
  /** Removes that failed, tried again later: a daemon just back may refuse the first. */
  private readonly removeRetries = new Map<string, { timer: NodeJS.Timeout; delayMs: number }>();

  constructor(
    private readonly ctx: WorkerContext,
    readonly engine: string,
  ) {
    this.restarts = new Restarts(ctx, engine, (id, job) => this.chain(id, job));
    this.dockerEvents = new DockerEventsRecorder(ctx, engine, (event) =>
      this.onContainerEvent(event),
    );
  }

  async start(): Promise<void> {
    await this.dockerEvents.start();
    await this.reconcile();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.restarts.stop();
    for (const { timer } of this.removeRetries.values()) clearTimeout(timer);
    await this.dockerEvents.stop();
    await Promise.all(this.chains.values());
  }

  /** Does what the replica needs next. */
  enqueue(id: string): void {
    this.chain(id, () => this.work(id));
  }

  /** Work on one container runs in order: a `die` is judged only after its create is recorded. */
  private chain(id: string, job: () => Promise<void>): void {
    if (this.stopped) return;
    const previous = this.chains.get(id) ?? Promise.resolve();
    const next = previous.then(job).catch(() => undefined);
    this.chains.set(id, next);
    void next.then(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
  }

  /** Brings Docker in line with the log: after taking the engine over, or when it is back. */
  async reconcile(): Promise<void> {
    if (this.stopped) return;
    const docker = this.ctx.docker(this.engine, this.ctx.settings.dockerTimeoutMs);
    let listed: Docker.ContainerInfo[];
    try {
      listed = await docker.listContainers({
        all: true,
        filters: { label: [LABEL_CONTAINER] },
      });
    } catch (error) {
      this.ctx.logger.warn(
        { err: error, engine: this.engine },
        'engine not reachable to reconcile',
      );
      return;
    }
    for (const replica of this.ctx.view.unfinished(this.engine)) this.enqueue(replica.id);
    for (const { id, backoff } of this.ctx.view.backingOff(this.engine))
      this.restarts.due(id, backoff.until, backoff.by);
    const listedIds = new Set(listed.map((info) => info.Labels[LABEL_CONTAINER]));
    for (const replica of this.ctx.view.kept(this.engine))
      if (!listedIds.has(replica.id))
        this.chain(replica.id, () =>
          this.restarts.gone(replica).catch(this.unrecorded(replica.id)),
        );
    for (const info of listed) {
      const replica = this.ctx.view.replicas.get(info.Labels[LABEL_CONTAINER] ?? '');
      if (replica?.outcome !== 'created' || replica.backoff !== undefined) continue;
      // Exited while no instance watched: judged like a `die` (the decider ignores intended ones).
      if (info.State !== 'running')
        this.chain(replica.id, () =>
          this.restarts.exited(replica, info.Id).catch(this.unrecorded(replica.id)),
        );
    }
    await this.dockerEvents.countImages(docker);
  }

  private async work(id: string): Promise<void> {
    const replica = this.ctx.view.replicas.get(id);
    if (replica === undefined || this.stopped) return;
    if (replica.released !== undefined) {
      if (!replica.released.remove) return;
      await this.ctx.drains.whenDrained(id, this.ctx.settings.routeDrainWaitMs);
      await this.remove(replica);
      return;
    }
    if (replica.outcome === 'none') await this.limited(() => this.create(replica));
  }

  private async create(replica: Replica): Promise<void> {
    const group = this.ctx.view.specOf(replica);
    if (group === undefined || replica.released !== undefined || this.stopped) return;
    const { log, settings } = this.ctx;
    const docker = this.ctx.docker(this.engine, settings.dockerTimeoutMs);
    const metadata = causedBy(replica.placedBy);
    let container: Docker.Container | undefined;
    try {
      if (group.pull) {
        await pullForEngine(
          this.ctx.docker(this.engine, settings.pullIdleMs),
          group.spec.image,
          this.ctx,
        );
        void this.dockerEvents.countImages(docker);
      }
      const secretEnv = openSecretEnv(group.spec, this.ctx.secretKey);
      const options = createOptions(replica, group.spec, secretEnv);
      const made = await againOnNoAnswer(() => createOrFind(docker, options));
      container = made;
      await againOnNoAnswer(() => startContainer(made));
      const addr = this.ctx.view.engines.get(this.engine)?.addr ?? '';
      // Without ports, a fresh create already said all there is to know (its id): no inspect.
      const { dockerId, ports } =
        group.spec.ports.length === 0 && /^[0-9a-f]{64}$/.test(container.id)
          ? { dockerId: container.id, ports: [] }
          : await publishedPorts(container, engineHostOf(addr));
      await recordOnContainer(
        log,
        replica.id,
        { type: 'RecordCreated', container: replica.id, engine: this.engine, dockerId, ports },
        metadata,
      );
    } catch (error) {
      if (error instanceof BerthError) throw error; // the log, not Docker: try again later
      const reason = dockerReason(error);
      this.ctx.logger.warn({ engine: this.engine, container: replica.id, reason }, 'create failed');
      // Leave nothing half-made behind: a created container that would not start goes too.
      if (container !== undefined)
        await removeContainer(docker, replica.name).catch(() => undefined);
      await recordOnContainer(
        log,
        replica.id,
        { type: 'RecordFailed', container: replica.id, engine: this.engine, reason },
        metadata,
      );
    }
  }

  private async remove(replica: Replica): Promise<void> {
    const released = replica.released;
    if (released === undefined) return;
    try {
      const docker = this.ctx.docker(this.engine, this.ctx.settings.dockerTimeoutMs);
      await removeContainer(docker, replica.name);
    } catch (error) {
      this.ctx.logger.warn({ err: error, container: replica.id }, 'remove failed');
      this.removeAgainLater(replica.id);
      return;
    }
    clearTimeout(this.removeRetries.get(replica.id)?.timer);
    this.removeRetries.delete(replica.id);
    await recordOnContainer(
      this.ctx.log,
      replica.id,
      { type: 'RecordDestroyed', container: replica.id, reason: released.reason },
      causedBy(released.by),
    );
  }

  /**
   * Tries a failed remove again, 1 s doubling to 30 s, until it is done or this owner stops: the
   * engine may be away, or its daemon, just restarted, not yet able to remove.
   */
  private removeAgainLater(id: string): void {
    const delayMs = Math.min(REMOVE_RETRY_MAX_MS, (this.removeRetries.get(id)?.delayMs ?? 500) * 2);
    const timer = setTimeout(() => this.enqueue(id), delayMs);
    timer.unref();
    this.removeRetries.set(id, { timer, delayMs });
  }

  private async limited(work: () => Promise<void>): Promise<void> {
    while (this.running >= this.ctx.settings.concurrency)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** Acts on Docker's event on a replica, whether or not its record was left out. */
  private onContainerEvent({ container, action, dockerId, health }: ContainerDockerEvent): void {
    const replica = this.ctx.view.replicas.get(container);
    if (replica === undefined) return;
    // A container can exit before its create is recorded; the chain waits for that record.
    if (action === 'die')
      this.chain(replica.id, () =>
        this.restarts.exited(replica, dockerId).catch(this.unrecorded(replica.id)),
      );
    if (action === 'destroy' && replica.outcome === 'created')
      this.chain(replica.id, () => this.restarts.gone(replica).catch(this.unrecorded(replica.id)));
    if (health !== undefined)
      this.chain(replica.id, () =>
        recordHealth(this.ctx, this.engine, replica, dockerId, health).catch(
          this.unrecorded(replica.id),
        ),
      );
  }

  private unrecorded(container: string) {
    return (error: unknown) =>
      this.ctx.logger.warn({ err: error, container }, 'what Docker did was not recorded');
  }
}
