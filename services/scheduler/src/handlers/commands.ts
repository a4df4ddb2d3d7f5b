import { DestroyContainer, RunContainer, ScaleContainer } from '@berth/contracts';
import { serveCommand, type NatsConnection } from '@berth/bus';
import { newId } from '@berth/ids';
import type { ClusterView } from '../cluster-view.js';
import type { ScheduleHandler } from '../start.js';

const SERVICE = 'scheduler';

/** RunContainer, ScaleContainer and DestroyContainer, in queue group `berth.scheduler`. */
export const serveScheduleCommands = (
  nc: NatsConnection,
  schedule: ScheduleHandler,
  view: ClusterView,
) => {
  const endpoints = [
    serveCommand(nc, {
      type: 'RunContainer',
      schema: RunContainer,
      service: SERVICE,
      handle: ({ data, metadata }) =>
        schedule.handle(
          { type: 'Run', group: newId(), ...data, pool: view.pool(), newId },
          metadata,
        ),
    }),
    serveCommand(nc, {
      type: 'ScaleContainer',
      schema: ScaleContainer,
      service: SERVICE,
      handle: ({ data, metadata }) =>
        schedule.handle({ type: 'Scale', ...data, pool: view.pool(), newId }, metadata),
    }),
    serveCommand(nc, {
      type: 'DestroyContainer',
      schema: DestroyContainer,
      service: SERVICE,
      handle: ({ data, metadata }) =>
        schedule.handle({ type: 'Destroy', container: data.id }, metadata),
    }),
  ];
  return { stop: () => Promise.all(endpoints.map((e) => e.stop())) };
};
