import type Docker from 'dockerode';
import type { SecretKey } from '@berth/auth';
import { dockerStream, LABEL_CONTAINER, LABEL_GROUP } from '@berth/contracts';
import { BerthError } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import { newCommandId } from '@berth/ids';
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
import { EventBudget } from './event-budget.js';
import type { ExecutorView, Replica } from './executor-view.js';
import type { RouteDrains } from './route-drains.js';
import { healthOf, recordHealth } from './health.js';
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

const DOCKER_ACTIONS = new Set([
  'create',
  'start',
  'restart',
  'die',
  'kill',
  'stop',
  'oom',
  'pause',
  'unpause',
  'destroy',
  'health_status',
]);

const MINUTE_MS = 60_000;
/** The longest wait between tries of a remove that failed. */
const REMOVE_RETRY_MAX_MS = 30_000;

/** What a recorded Docker event says about whom (as `DockerContainerEvent` has it). */
type DockerEventRefs = {
  engine: string;
  action: string;
  dockerId: string;
  container?: string;
  group?: string;
  timeNano: string;
};

type DockerMessage = {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number;
};

/**
 * The work on one engine while this instance owns it: creates placed replicas, removes
 * released ones, and records the engine's Docker events on `docker-<engine>`.
 */
export class EngineWorker {
  private stopped = false;
  private readonly chains = new Map<string, Promise<void>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private events: NodeJS.ReadableStream | undefined;
  private watching: Promise<void> | undefined;
  private dockerVersion = 0;
  private lastTimeNano = '0';
  private readonly seenAtLast = new Set<string>();
  private images: number | undefined;
  private appendQueue: Promise<unknown> = Promise.resolve();
  readonly restarts: Restarts;
  /** Per container: a crash loop or a flapping check must not fill the log with Docker's events. */
  private readonly budget: EventBudget<DockerEventRefs>;
  private summaryTimer: NodeJS.Timeout | undefined;
  /** Removes that failed, tried again later: a daemon just back may refuse the first. */
  private readonly removeRetries = new Map<string, { timer: NodeJS.Timeout; delayMs: number }>();

  constructor(
    private readonly ctx: WorkerContext,
    readonly engine: string,
  ) {
    this.restarts = new Restarts(ctx, engine, (id, job) => this.chain(id, job));
    this.budget = new EventBudget(ctx.settings.containerEventsPerMinute, MINUTE_MS);
  }

  async start(): Promise<void> {
    await this.loadDockerStream();
    this.watching = this.watchEvents();
    await this.reconcile();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.restarts.stop();
    for (const { timer } of this.removeRetries.values()) clearTimeout(timer);
    (this.events as { destroy?: () => void } | undefined)?.destroy?.();
    await this.watching;
    // What was left out so far is said now, not lost with this owner.
    clearTimeout(this.summaryTimer);
    await this.appendSummaries(Number.POSITIVE_INFINITY);
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
    await this.countImages(docker);
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
        void this.countImages(docker);
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

  private async loadDockerStream(): Promise<void> {
    const history = await this.ctx.log.readStream(dockerStream(this.engine));
    this.dockerVersion = history.at(-1)?.version ?? 0;
    for (const event of history) {
      const data = event.data as { timeNano?: string; images?: number };
      // A summary of suppressed events comes after later ones: resume after the latest of all.
      if (data.timeNano !== undefined && BigInt(data.timeNano) > BigInt(this.lastTimeNano))
        this.lastTimeNano = data.timeNano;
      if (data.images !== undefined) this.images = data.images;
    }
  }

  /** Follows Docker's event stream from where the log left off, reconnecting until stopped. */
  private async watchEvents(): Promise<void> {
    while (!this.stopped) {
      try {
        const since = `${this.lastTimeNano.slice(0, -9) || '0'}.${this.lastTimeNano.slice(-9).padStart(9, '0')}`;
        const stream = await this.ctx.docker(this.engine, 0).getEvents({
          since: this.lastTimeNano === '0' ? Math.floor(Date.now() / 1000) : since,
          filters: { type: ['container'], label: [LABEL_CONTAINER] },
        } as Docker.GetEventsOptions);
        this.events = stream;
        let buffered = '';
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) if (line.trim() !== '') await this.onDockerEvent(line);
        }
      } catch (error) {
        if (!this.stopped)
          this.ctx.logger.debug({ err: error, engine: this.engine }, 'docker events broke off');
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  private async onDockerEvent(line: string): Promise<void> {
    let message: DockerMessage;
    try {
      message = JSON.parse(line) as DockerMessage;
    } catch {
      return;
    }
    const health = healthOf(message.Action ?? '');
    const action =
      health === undefined ? ((message.Action ?? '').split(':')[0] ?? '') : 'health_status';
    if (message.Type !== 'container' || !DOCKER_ACTIONS.has(action)) return;
    const timeNano = String(message.timeNano ?? 0);
    const dockerId = message.Actor?.ID ?? '';
    const key = `${dockerId}/${action}`;
    // Resuming `since` repeats what happened in the last recorded nanosecond; skip those.
    if (BigInt(timeNano) < BigInt(this.lastTimeNano)) return;
    if (timeNano === this.lastTimeNano && this.seenAtLast.has(key)) return;
    if (timeNano !== this.lastTimeNano) this.seenAtLast.clear();
    this.lastTimeNano = timeNano;
    this.seenAtLast.add(key);

    const attributes = message.Actor?.Attributes ?? {};
    const container = attributes[LABEL_CONTAINER];
    const exitCode = attributes.exitCode === undefined ? undefined : Number(attributes.exitCode);
    const refs: DockerEventRefs = {
      engine: this.engine,
      action: health === undefined ? action : `health_status: ${health}`,
      dockerId,
      ...(container === undefined ? {} : { container }),
      ...(attributes[LABEL_GROUP] === undefined ? {} : { group: attributes[LABEL_GROUP] }),
      timeNano,
    };
    // Over the budget only the record is left out: what the event causes below still happens.
    if (this.budget.admit(container ?? dockerId, refs.action, Date.now(), refs))
      await this.appendDocker({
        type: 'DockerContainerEvent',
        data: { ...refs, ...(exitCode === undefined ? {} : { exitCode }) },
      });
    else this.scheduleSummaries();
    const replica = container === undefined ? undefined : this.ctx.view.replicas.get(container);
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

  /** Appends the summaries of suppressed events when their windows end. */
  private scheduleSummaries(): void {
    const at = this.budget.nextEnd();
    if (this.summaryTimer !== undefined || this.stopped || at === undefined) return;
    this.summaryTimer = setTimeout(
      () => {
        this.summaryTimer = undefined;
        void this.appendSummaries(Date.now()).then(() => this.scheduleSummaries());
      },
      Math.max(0, at - Date.now()),
    );
  }

  /** One `DockerEventsSuppressed` per container whose window ended by `now` over budget. */
  private async appendSummaries(now: number): Promise<void> {
    for (const { last, counts, total, from, until } of this.budget.ended(now)) {
      const { action: _action, ...refs } = last;
      await this.appendDocker({
        type: 'DockerEventsSuppressed',
        data: {
          ...refs,
          suppressed: total,
          actions: counts,
          limit: this.ctx.settings.containerEventsPerMinute,
          from: new Date(from).toISOString(),
          until: new Date(until).toISOString(),
        },
      });
    }
  }

  private unrecorded(container: string) {
    return (error: unknown) =>
      this.ctx.logger.warn({ err: error, container }, 'what Docker did was not recorded');
  }

  private async countImages(docker: Docker): Promise<void> {
    try {
      const images = (await docker.listImages()).length;
      if (images === this.images) return;
      this.images = images;
      await this.appendDocker({
        type: 'EngineImagesCounted',
        data: { engine: this.engine, images },
      });
    } catch (error) {
      this.ctx.logger.debug({ err: error, engine: this.engine }, 'images not counted');
    }
  }

  /** Appends to `docker-<engine>` one at a time, with its version: one writer per engine. */
  private appendDocker(event: { type: string; data: unknown }): Promise<unknown> {
    const commandId = newCommandId();
    const run = this.appendQueue.then(async () => {
      try {
        const { version } = await this.ctx.log.append(
          dockerStream(this.engine),
          this.dockerVersion,
          [
            {
              ...event,
              metadata: {
                actor: 'docker',
                commandId,
                correlationId: commandId,
                causationId: commandId,
              },
            },
          ],
        );
        this.dockerVersion = version;
      } catch (error) {
        // Another instance wrote here (a takeover overlapping); start again from the log.
        if (error instanceof BerthError && error.code === 'conflict') await this.loadDockerStream();
        else this.ctx.logger.warn({ err: error, engine: this.engine }, 'docker event not recorded');
      }
    });
    this.appendQueue = run.catch(() => undefined);
    return run;
  }
}
