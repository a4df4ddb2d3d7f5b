import type Docker from 'dockerode';
import {
  dockerStream,
  LABEL_CONTAINER,
  LABEL_GROUP,
  type ContainerHealth,
  type NewEvent,
} from '@berth/contracts';
import { BerthError } from '@berth/errors';
import { newCommandId } from '@berth/ids';
import type { WorkerContext } from './engine-worker.js';
import { EventBudget } from './event-budget.js';
import { healthOf } from './health.js';

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
/** Docker events one append carries at most. */
const MAX_EVENTS_PER_APPEND = 200;

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

/** A Docker event on a Berth container, handed on to be acted on whether recorded or not. */
export type ContainerDockerEvent = {
  container: string;
  /** Docker's action without its detail: `die`, `destroy`, `health_status`… */
  action: string;
  dockerId: string;
  /** The verdict a `health_status` reports. */
  health: ContainerHealth | undefined;
};

/**
 * Records one engine's Docker events on `docker-<engine>` while this instance owns it: follows
 * Docker's event stream, keeps each container within its event budget (summing up the rest),
 * and counts the engine's images. Events on Berth's containers go on to `onContainerEvent`.
 */
export class DockerEventsRecorder {
  private stopped = false;
  private events: NodeJS.ReadableStream | undefined;
  private watching: Promise<void> | undefined;
  private dockerVersion = 0;
  private lastTimeNano = '0';
  private readonly seenAtLast = new Set<string>();
  private images: number | undefined;
  /** Events waiting for the append in flight, each with its caller's answer. */
  private waiting: { event: NewEvent; recorded: () => void }[] = [];
  private appending: Promise<void> | undefined;
  /** Container events acted on in Docker's order, each once it is recorded. */
  private acting: Promise<void> = Promise.resolve();
  /** Per container: a crash loop or a flapping check must not fill the log with Docker's events. */
  private readonly budget: EventBudget<DockerEventRefs>;
  private summaryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly engine: string,
    private readonly onContainerEvent: (event: ContainerDockerEvent) => void,
  ) {
    this.budget = new EventBudget(ctx.settings.containerEventsPerMinute, MINUTE_MS);
  }

  /** Reads where `docker-<engine>` left off, then follows Docker from there until stopped. */
  async start(): Promise<void> {
    await this.loadDockerStream();
    this.watching = this.watchEvents();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    (this.events as { destroy?: () => void } | undefined)?.destroy?.();
    await this.watching;
    await this.acting;
    // What was left out so far is said now, not lost with this owner.
    clearTimeout(this.summaryTimer);
    await this.appendSummaries(Number.POSITIVE_INFINITY);
    await this.appending;
  }

  /** Records the engine's image count when it changed. */
  async countImages(docker: Docker): Promise<void> {
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
          for (const line of lines) if (line.trim() !== '') this.onDockerEvent(line);
        }
      } catch (error) {
        if (!this.stopped)
          this.ctx.logger.debug({ err: error, engine: this.engine }, 'docker events broke off');
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  private onDockerEvent(line: string): void {
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
    // Over the budget only the record is left out: what the event causes still happens.
    const admitted = this.budget.admit(container ?? dockerId, refs.action, Date.now(), refs);
    const recorded = admitted
      ? this.appendDocker({
          type: 'DockerContainerEvent',
          data: { ...refs, ...(exitCode === undefined ? {} : { exitCode }) },
        })
      : undefined;
    if (!admitted) this.scheduleSummaries();
    if (container === undefined) return;
    const event = { container, action, dockerId, health };
    // Acted on once recorded, in Docker's order, while the next events are read.
    this.acting = this.acting
      .then(() => recorded)
      .then(() => this.onContainerEvent(event))
      .catch((error: unknown) =>
        this.ctx.logger.warn({ err: error, engine: this.engine }, 'docker event not acted on'),
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

  /**
   * Appends to `docker-<engine>` with its version: one writer per engine. Events that come while
   * an append is in flight go together in the next one — an engine removing a hundred
   * containers reports four hundred events, and on a networked store each append is a round
   * trip. Resolves once the event is recorded, or given up on (which is logged).
   */
  private appendDocker(event: { type: string; data: unknown }): Promise<void> {
    const commandId = newCommandId();
    const metadata = {
      actor: 'docker',
      commandId,
      correlationId: commandId,
      causationId: commandId,
    };
    return new Promise((recorded) => {
      this.waiting.push({ event: { ...event, metadata }, recorded });
      this.appending ??= this.appendWaiting();
    });
  }

  private async appendWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_EVENTS_PER_APPEND);
      try {
        const { version } = await this.ctx.log.append(
          dockerStream(this.engine),
          this.dockerVersion,
          batch.map((item) => item.event),
        );
        this.dockerVersion = version;
      } catch (error) {
        // Another instance wrote here (a takeover overlapping); start again from the log.
        if (error instanceof BerthError && error.code === 'conflict')
          await this.loadDockerStream().catch(() => undefined);
        else
          this.ctx.logger.warn({ err: error, engine: this.engine }, 'docker events not recorded');
      }
      for (const item of batch) item.recorded();
    }
    this.appending = undefined;
  }
}
