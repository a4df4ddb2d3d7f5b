import type Docker from 'dockerode';
import type { ContainerHealth, HealthcheckSpec } from '@berth/contracts';
import type { WorkerContext } from './engine-worker.js';
import type { Replica } from './executor-view.js';
import { causedBy, recordOnContainer } from './record.js';

const SECOND_NS = 1e9;

/**
 * Docker's own HEALTHCHECK for a spec's health check: Docker runs it on its clock, keeps the
 * verdict across executor takeovers and reports changes as `health_status` events. `http` asks
 * the container's own port from inside it with `wget` (busybox or GNU).
 */
export const healthcheckOptions = (
  check: HealthcheckSpec | undefined,
): Pick<Docker.ContainerCreateOptions, 'Healthcheck'> =>
  check === undefined
    ? {}
    : {
        Healthcheck: {
          Test: [
            'CMD',
            // No `-T`: Docker enforces the timeout, and busybox 1.35's static wget crashes on it.
            ...(check.cmd ?? [
              'wget',
              '-q',
              '-O',
              '/dev/null',
              `http://127.0.0.1:${check.http?.port ?? 80}${check.http?.path ?? '/'}`,
            ]),
          ],
          Interval: check.intervalSeconds * SECOND_NS,
          Timeout: check.timeoutSeconds * SECOND_NS,
          Retries: check.retries,
          StartPeriod: check.startPeriodSeconds * SECOND_NS,
        },
      };

/** The verdict in a Docker event's action, such as `health_status: unhealthy`. */
export const healthOf = (action: string): ContainerHealth | undefined => {
  const match = /^health_status: (starting|healthy|unhealthy)$/.exec(action);
  return match?.[1] as ContainerHealth | undefined;
};

/** Records Docker's verdict on the replica's stream, an unhealthy one with the check's output. */
export const recordHealth = async (
  ctx: WorkerContext,
  engine: string,
  replica: Replica,
  dockerId: string,
  health: ContainerHealth,
): Promise<void> => {
  const reason = health === 'unhealthy' ? await lastCheckOutput(ctx, engine, dockerId) : '';
  await recordOnContainer(
    ctx.log,
    replica.id,
    { type: 'RecordHealth', container: replica.id, health, reason },
    causedBy(replica.placedBy),
  );
};

const lastCheckOutput = async (ctx: WorkerContext, engine: string, dockerId: string) => {
  try {
    const { State } = await ctx
      .docker(engine, ctx.settings.dockerTimeoutMs)
      .getContainer(dockerId)
      .inspect();
    const last = (
      State as { Health?: { Log?: { ExitCode: number; Output: string }[] } }
    ).Health?.Log?.at(-1);
    if (last === undefined) return 'health check failed';
    const output = last.Output.trim().slice(0, 200);
    return `health check exited ${last.ExitCode}${output === '' ? '' : `: ${output}`}`;
  } catch {
    return 'health check failed';
  }
};
