import {
  DestroyContainer,
  RollbackGroup,
  RunContainer,
  ScaleContainer,
  UpdateGroup,
  type SpecChange,
} from '@berth/contracts';
import type { SecretKey } from '@berth/auth';
import { sendQuery, serveCommand, type NatsConnection } from '@berth/bus';
import { newId } from '@berth/ids';
import type { ClusterView } from '../cluster-view.js';
import { pullingWithSameSpec } from '../domain/schedule.js';
import type { QuotaBook } from '../quota-book.js';
import { sealSecretEnv } from '../secret-env.js';
import type { ScheduleHandler } from '../start.js';

const SERVICE = 'scheduler';

/** Run, scale, destroy, update and roll back groups, in queue group `berth.scheduler`. */
export const serveScheduleCommands = (
  nc: NatsConnection,
  schedule: ScheduleHandler,
  view: ClusterView,
  quotas: QuotaBook,
  freshen: () => Promise<void>,
  secretKey: SecretKey,
) => {
  // A command decides on the cluster as the log has it now: an engine the caller just saw turn
  // healthy is in the pool, even if the live feed has not brought that event yet; a quota an
  // admin just set is the one in force.
  const pool = async () => (await freshen(), view.pool());
  // A pulling group's update that changes nothing else replaces replicas only when the
  // registry now has another image under the same reference (decided before, not in, decide).
  const imageChanged = async (group: string, change: SpecChange) => {
    const same = pullingWithSameSpec(await schedule.current(), group, change);
    if (same === undefined) return undefined;
    const answer = await sendQuery<{ changed: boolean }>(nc, 'ImageChanged', {
      group,
      image: same.spec.image,
    });
    return answer.changed;
  };
  const endpoints = [
    serveCommand(nc, {
      type: 'RunContainer',
      schema: RunContainer,
      service: SERVICE,
      handle: async ({ data, metadata }) =>
        schedule.handle(
          {
            type: 'Run',
            group: newId(),
            ...data,
            spec: sealSecretEnv(data.spec, secretKey),
            byAdmin: metadata.role === 'admin',
            owner: metadata.actor,
            pool: await pool(),
            newId,
            quotaOf: quotas.quotaOf,
          },
          metadata,
        ),
    }),
    serveCommand(nc, {
      type: 'ScaleContainer',
      schema: ScaleContainer,
      service: SERVICE,
      handle: async ({ data, metadata }) =>
        schedule.handle(
          { type: 'Scale', ...data, pool: await pool(), newId, quotaOf: quotas.quotaOf },
          metadata,
        ),
    }),
    serveCommand(nc, {
      type: 'DestroyContainer',
      schema: DestroyContainer,
      service: SERVICE,
      handle: ({ data, metadata }) =>
        schedule.handle({ type: 'Destroy', container: data.id }, metadata),
    }),
    serveCommand(nc, {
      type: 'UpdateGroup',
      schema: UpdateGroup,
      service: SERVICE,
      handle: async ({ data, metadata }) => {
        await pool(); // the quota in force, as for a run
        const spec = sealSecretEnv(data.spec, secretKey);
        return schedule.handle(
          {
            type: 'Update',
            ...data,
            spec,
            imageChanged: await imageChanged(data.group, spec),
            byAdmin: metadata.role === 'admin',
            quotaOf: quotas.quotaOf,
          },
          metadata,
        );
      },
    }),
    serveCommand(nc, {
      type: 'RollbackGroup',
      schema: RollbackGroup,
      service: SERVICE,
      handle: ({ data, metadata }) =>
        schedule.handle(
          { type: 'Rollback', group: data.group, reason: `rolled back by ${metadata.actor}` },
          metadata,
        ),
    }),
  ];
  return { stop: () => Promise.all(endpoints.map((e) => e.stop())) };
};
