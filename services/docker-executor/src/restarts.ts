import { containerStream, type RecordedEvent } from '@berth/contracts';
import { fold } from '@berth/decider';
import { containerGone, dockerReason, startContainer, statusOf } from './docker-ops.js';
import { containerDecider } from './domain/container.js';
import type { WorkerContext } from './engine-worker.js';
import type { Replica } from './executor-view.js';
import { causedBy, recordOnContainer } from './record.js';

/**
 * Restarts in place on one engine: records why a replica exited without Berth asking (the
 * container decider picks completed, failed or a backoff by the restart policy), and starts it
 * again when the backoff recorded in the log is over, so a new owner after a takeover does too.
 */
export class Restarts {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly ctx: WorkerContext,
    private readonly engine: string,
    /** Runs a job after the container's earlier work (the worker's per-container chain). */
    private readonly chain: (id: string, job: () => Promise<void>) => void,
  ) {}

  /** Docker says the replica is no longer running and Berth did not ask for that. */
  async exited(replica: Replica, dockerId: string): Promise<void> {
    if (replica.released !== undefined) return; // Berth is removing it
    const { exitCode, ranMs } = await this.lastRun(dockerId);
    await recordOnContainer(
      this.ctx.log,
      replica.id,
      {
        type: 'RecordExit',
        container: replica.id,
        exitCode,
        reason: `exited with code ${exitCode ?? 'unknown'}`,
        ranMs,
        now: Date.now(),
        restartPolicy: this.ctx.view.specOf(replica)?.spec.restartPolicy,
      },
      causedBy(replica.placedBy),
    );
  }

  /**
   * Docker may no longer have the replica's container (a `destroy`, or missing from a list):
   * when an inspect by name confirms it, the replica died, and the scheduler replaces it.
   */
  async gone(replica: Replica): Promise<void> {
    const { view, settings, log } = this.ctx;
    if (view.replicas.get(replica.id)?.released !== undefined) return; // Berth removed it
    const docker = this.ctx.docker(this.engine, settings.dockerTimeoutMs);
    if (!(await containerGone(docker, replica.name))) return;
    clearTimeout(this.timers.get(replica.id));
    this.timers.delete(replica.id);
    await recordOnContainer(
      log,
      replica.id,
      { type: 'RecordVanished', container: replica.id },
      causedBy(replica.placedBy),
    );
  }

  /** Starts the container again once `until` (epoch ms) has come, unless it is no longer due. */
  due(id: string, until: number, cause: RecordedEvent): void {
    clearTimeout(this.timers.get(id));
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        this.chain(id, () => this.restart(id, cause));
      },
      Math.max(0, until - Date.now()),
    );
    this.timers.set(id, timer);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async restart(id: string, cause: RecordedEvent): Promise<void> {
    const { log, view, settings, logger } = this.ctx;
    // Stopped, started, restarted or released meanwhile: nothing is due any more.
    const state = fold(containerDecider, (await log.readStream(containerStream(id))) as never[]);
    if (state.status !== 'backoff' || view.replicas.get(id)?.released !== undefined) return;
    try {
      const docker = this.ctx.docker(this.engine, settings.dockerTimeoutMs);
      await startContainer(docker.getContainer(state.dockerId ?? ''));
    } catch (error) {
      const replica = view.replicas.get(id);
      if (statusOf(error) === 404 && replica !== undefined) return this.gone(replica);
      logger.warn({ container: id, reason: dockerReason(error) }, 'restart failed; trying again');
      this.due(id, Date.now() + (state.lastDelayMs ?? 1000), cause);
      return;
    }
    await recordOnContainer(log, id, { type: 'RecordStarted', container: id }, causedBy(cause));
  }

  /** Exit code and run time of the last run, both from Docker (one clock); 0 ms if unknown. */
  private async lastRun(dockerId: string): Promise<{ exitCode: number | null; ranMs: number }> {
    try {
      const { State } = await this.ctx
        .docker(this.engine, this.ctx.settings.dockerTimeoutMs)
        .getContainer(dockerId)
        .inspect();
      // Docker stamps StartedAt after the process began: a quick exit can look negative.
      const ranMs = Math.max(0, Date.parse(State.FinishedAt) - Date.parse(State.StartedAt));
      return { exitCode: State.ExitCode, ranMs: Number.isNaN(ranMs) ? 0 : ranMs };
    } catch {
      return { exitCode: null, ranMs: 0 };
    }
  }
}
